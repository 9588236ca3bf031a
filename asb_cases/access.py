"""Who may do what on a case: the django-guardian rows, and the only code that writes them.

The rows in `CaseGroupObjectPermission` are the single source of truth for reads. They are
derived from three kinds of domain record — the lead organisation, active shares, and a pending
transfer — by `case_permissions_sync`, which every service that changes one of those calls in its
own transaction. Lists filter with one EXISTS subquery on the table for the user's organisation
group (never `get_objects_for_user`, whose plan degrades at a million rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, Q

from asb_cases.models import Case, CaseGroupObjectPermission, CaseShare, OwnershipTransfer
from partners.access import granted_to
from partners.models import Organisation, User

VIEW = "view_case"
CHANGE = "change_case"
CONTRIBUTE = "contribute_case"
SHARE = "share_case"

LEAD_PERMISSIONS = frozenset({VIEW, CHANGE, CONTRIBUTE, SHARE})
SHARE_PERMISSIONS = {
    CaseShare.AccessLevel.VIEW: frozenset({VIEW}),
    CaseShare.AccessLevel.CONTRIBUTE: frozenset({VIEW, CONTRIBUTE}),
}
# The organisation asked to take a case over sees it while it decides.
PENDING_TRANSFER_PERMISSIONS = frozenset({VIEW})


def case_visible_to(organisation: Organisation, codename: str = VIEW, outer: str = "pk") -> Exists:
    """EXISTS(permission row for this case, this organisation's group and `codename`)."""
    return granted_to(CaseGroupObjectPermission, organisation, codename, outer)


def organisation_case_permissions(organisation: Organisation, case: Case) -> frozenset[str]:
    return frozenset(
        CaseGroupObjectPermission.objects.filter(
            content_object=case, group_id=organisation.group_id
        ).values_list("permission__codename", flat=True)
    )


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do on one case: their role's model permission AND their
    organisation's object permission on the case."""

    can_view: bool
    can_contribute: bool
    can_change: bool
    can_share: bool

    @classmethod
    def for_user(cls, user: User, case: Case) -> CaseAccess:
        granted = organisation_case_permissions(user.membership.organisation, case)

        def allowed(codename: str) -> bool:
            return codename in granted and user.has_perm(f"asb_cases.{codename}")

        return cls(
            can_view=allowed(VIEW),
            can_contribute=allowed(CONTRIBUTE),
            can_change=allowed(CHANGE),
            can_share=allowed(SHARE),
        )


def desired_permissions(case: Case) -> dict[int, frozenset[str]]:
    """Group id -> the permissions the domain records say that organisation should hold."""
    wanted: dict[int, set[str]] = defaultdict(set)
    wanted[case.lead_organisation.group_id] |= LEAD_PERMISSIONS
    for group_id, level in CaseShare.objects.filter(case=case, revoked_at__isnull=True).values_list(
        "organisation__group_id", "access_level"
    ):
        wanted[group_id] |= SHARE_PERMISSIONS[level]
    for group_id in OwnershipTransfer.objects.filter(
        case=case, status=OwnershipTransfer.Status.PENDING
    ).values_list("to_organisation__group_id", flat=True):
        wanted[group_id] |= PENDING_TRANSFER_PERMISSIONS
    return {group_id: frozenset(perms) for group_id, perms in wanted.items()}


def case_permissions_sync(case: Case) -> dict[str, list[str]]:
    """Make the guardian rows for `case` match its domain records. Call inside the service's
    transaction. Returns what was granted and revoked ("org:<slug> view_case"), for the audit."""
    permissions = dict(
        Permission.objects.filter(
            content_type__app_label="asb_cases",
            content_type__model="case",
            codename__in=LEAD_PERMISSIONS,
        ).values_list("codename", "id")
    )
    wanted = {
        (group_id, codename)
        for group_id, codenames in desired_permissions(case).items()
        for codename in codenames
    }
    existing = {
        (group_id, codename): row_id
        for row_id, group_id, codename in CaseGroupObjectPermission.objects.filter(
            content_object=case
        ).values_list("id", "group_id", "permission__codename")
    }
    to_add = sorted(wanted - existing.keys())
    to_remove = sorted(existing.keys() - wanted)
    CaseGroupObjectPermission.objects.bulk_create(
        [
            CaseGroupObjectPermission(
                content_object=case, group_id=group_id, permission_id=permissions[codename]
            )
            for group_id, codename in to_add
        ]
    )
    if to_remove:
        CaseGroupObjectPermission.objects.filter(
            id__in=[existing[key] for key in to_remove]
        ).delete()
    if not to_add and not to_remove:
        return {"granted": [], "revoked": []}
    names = dict(
        Group.objects.filter(id__in={g for g, _ in to_add + to_remove}).values_list("id", "name")
    )
    return {
        "granted": [f"{names[group_id]} {codename}" for group_id, codename in to_add],
        "revoked": [f"{names[group_id]} {codename}" for group_id, codename in to_remove],
    }


def cases_visible_q(organisation: Organisation) -> Q:
    return Q(case_visible_to(organisation))
