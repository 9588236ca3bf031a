"""The shape every object-permission read takes: one EXISTS on a direct foreign-key guardian
table, for an organisation's group and one permission (docs/adr/0007-access-control.md).

Apps pass their own permission model (by class, or by "app_label.Model" string where importing
it would run against the app dependency order).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Exists, OuterRef, Subquery

from partners.models import Organisation


def permission_id(app_label: str, model: str, codename: str) -> Subquery:
    """A permission's id as an uncorrelated subquery, evaluated once per statement, so no
    process-wide cache of ids can go stale."""
    return Subquery(
        Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).values("id")[:1]
    )


def granted_to(
    permission_model: type[models.Model] | str,
    organisation: Organisation,
    codename: str,
    outer: str = "pk",
) -> Exists:
    """EXISTS(a row granting `codename` on the outer object to the organisation's group)."""
    if isinstance(permission_model, str):
        permission_model = apps.get_model(permission_model)
    target = permission_model._meta.get_field("content_object").related_model
    return Exists(
        permission_model.objects.filter(
            content_object_id=OuterRef(outer),
            group_id=organisation.group_id,
            permission_id=permission_id(target._meta.app_label, target._meta.model_name, codename),
        )
    )
