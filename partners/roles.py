"""Roles are Django groups whose model permissions are defined in code.

Each app declares, on its AppConfig, `role_permissions = {role: ["app_label.codename", ...]}`;
this module collects them (partners imports no other app) and makes each role's group hold
exactly those permissions. It runs after every migrate and from `manage.py sync_roles`.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from partners.models import Membership

ROLE_GROUP_PREFIX = "role:"
ORGANISATION_GROUP_PREFIX = "org:"


def role_group_name(role: str) -> str:
    return f"{ROLE_GROUP_PREFIX}{role}"


def organisation_group_name(slug: str) -> str:
    return f"{ORGANISATION_GROUP_PREFIX}{slug}"


def declared_role_permissions() -> dict[str, set[str]]:
    """Every app's declared permissions per role, as {"role": {"app.codename", ...}}."""
    declared: dict[str, set[str]] = defaultdict(set)
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            if role not in Membership.Role.values:
                raise ValueError(f"{config.label} declares permissions for unknown role {role!r}")
            declared[role].update(perms)
    return declared


def role_groups_sync() -> dict[str, int]:
    """Make each role's group hold exactly its declared permissions; returns counts per role."""
    declared = declared_role_permissions()
    all_perms = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    counts = {}
    for role in Membership.Role.values:
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        wanted = declared.get(role, set())
        missing = wanted - all_perms.keys()
        if missing:
            raise ValueError(f"Role {role} names permissions that do not exist: {sorted(missing)}")
        group.permissions.set([all_perms[name] for name in wanted])
        counts[role] = len(wanted)
    return counts


def sync_after_migrate(sender, **kwargs) -> None:
    # post_migrate is sent once per app; the last app's signal sees every permission. Running
    # on each is idempotent, but permissions of later apps may not exist yet: skip those runs.
    if sender.label != list(apps.get_app_configs())[-1].label:
        return
    role_groups_sync()


def is_partnership_admin(user) -> bool:
    """Whether `user` is the partnership's own admin: the one who changes partnership-wide
    definitions (such as who counts as a repeat victim) and sets up a new organisation's
    sign-in. Not any organisation's supervisor or partner admin."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    membership = getattr(user, "membership", None)
    return bool(
        membership is not None
        and membership.is_partnership_admin
        and membership.organisation.active
    )
