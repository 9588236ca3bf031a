"""The only code that grants or revokes object permissions on cases (django-guardian rows on
`CaseGroupObjectPermission`, granted to organisations' groups, never to users).

The rows are derived from three kinds of domain record — the lead organisation, active shares,
and a pending transfer — by `case_permissions_sync`, which every service that changes one of
those records calls in its own transaction, writing what it granted and revoked into that
service's audit event. Reads never look at the domain records: they read the rows
(access.rules).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Group, Permission

from access.rules import CASE_PERMISSIONS, CHANGE, CONTRIBUTE, PEOPLE, SHARE, VIEW
from asb_cases.models import Case, CaseGroupObjectPermission, CaseShare, OwnershipTransfer

LEAD_PERMISSIONS = frozenset({VIEW, CHANGE, CONTRIBUTE, SHARE, PEOPLE})
SHARE_PERMISSIONS = {
    CaseShare.AccessLevel.VIEW: frozenset({VIEW}),
    CaseShare.AccessLevel.CONTRIBUTE: frozenset({VIEW, CONTRIBUTE}),
}
# The organisation asked to take a case over sees it, and who is on it, while it decides.
PENDING_TRANSFER_PERMISSIONS = frozenset({VIEW, PEOPLE})


def desired_permissions(case: Case) -> dict[int, frozenset[str]]:
    """Group id -> the permissions the domain records say that organisation should hold."""
    wanted: dict[int, set[str]] = defaultdict(set)
    wanted[case.lead_organisation.group_id] |= LEAD_PERMISSIONS
    shares = CaseShare.objects.filter(case=case, revoked_at__isnull=True).values_list(
        "organisation__group_id", "access_level", "include_people"
    )
    for group_id, level, include_people in shares:
        wanted[group_id] |= SHARE_PERMISSIONS[level]
        if include_people:
            wanted[group_id].add(PEOPLE)
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
            codename__in=CASE_PERMISSIONS,
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
