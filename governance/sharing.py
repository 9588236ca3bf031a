"""The partnership's default sharing rules (issue 12, item 4): set and retired by the
partnership's admin, applied when a case gets an incident a rule matches.

A rule shares through the case sharing service (`case_share_by_partnership_rule`), so a share
made by a rule is an ordinary share: audited, revocable by the lead, and refused for the same
reasons as one made by hand (a victim who withdrew consent, an inactive partner). A rule that
cannot share a case says so in the audit log and the case goes on without it.
docs/adr/0017-subject-access-and-onboarding.md (addendum).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from asb_cases.models import Case, CaseIncident, CaseShare, CaseStatus, Incident, IncidentType
from asb_cases.services.sharing import RULE_ACTOR, case_share_by_partnership_rule
from asb_cases.signals import case_incidents_linked, incidents_recorded
from governance.models import SharingRule
from partners.audit import audit_record
from partners.models import AuditEvent, Organisation, User
from partners.roles import is_partnership_admin

logger = logging.getLogger(__name__)
Verb = AuditEvent.Verb


def _require_partnership_admin(actor: User) -> None:
    if not is_partnership_admin(actor):
        raise PermissionDenied(f"{actor} is not the partnership's admin")


@transaction.atomic
def sharing_rule_create(
    *,
    actor: User,
    to_organisation: Organisation,
    access_level: str,
    from_kind: str = "",
    from_organisation: Organisation | None = None,
    hate_only: bool = False,
    category: str = "",
    incident_type: IncidentType | None = None,
    include_people: bool = False,
) -> SharingRule:
    """Add a default sharing rule (the partnership's admin only). It applies to incidents put
    on cases from now on; cases already shared by hand are left as they are."""
    _require_partnership_admin(actor)
    errors = {}
    if bool(from_kind) == bool(from_organisation):
        errors["from_organisation"] = (
            "Select either a kind of organisation or one organisation whose cases are shared"
        )
    elif from_organisation is not None and from_organisation.pk == to_organisation.pk:
        errors["to_organisation"] = "An organisation already sees its own cases"
    if access_level not in CaseShare.AccessLevel.values:
        errors["access_level"] = "Select what the partner can do"
    if not hate_only and not category and incident_type is None:
        errors["hate_only"] = (
            "Select which incidents the rule is about: hate incidents, a category or a type"
        )
    if errors:
        raise ValidationError(errors)
    rule = SharingRule.objects.create(
        from_kind=from_kind,
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        hate_only=hate_only,
        category=category,
        incident_type=incident_type,
        access_level=access_level,
        include_people=include_people,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="sharing_rule_create",
        target=rule,
        detail={"rule": rule.describe()},
    )
    return rule


@transaction.atomic
def sharing_rule_retire(*, actor: User, rule: SharingRule) -> SharingRule:
    """Stop a rule sharing any more cases. The shares it made stay: each lead revokes its own."""
    _require_partnership_admin(actor)
    rule = SharingRule.objects.select_for_update().get(pk=rule.pk)
    if rule.retired_at is None:
        rule.retired_at, rule.retired_by = timezone.now(), actor
        rule.save(update_fields=["retired_at", "retired_by"])
        audit_record(
            actor=actor,
            verb=Verb.CHANGED,
            action="sharing_rule_retire",
            target=rule,
            detail={"rule": rule.describe()},
        )
    return rule


def _matching(case: Case, incidents: list[Incident]) -> list[SharingRule]:
    lead = case.lead_organisation
    rules = SharingRule.objects.filter(retired_at__isnull=True).filter(
        Q(from_organisation_id=lead.pk) | Q(from_organisation__isnull=True, from_kind=lead.kind)
    )
    matched = []
    for rule in rules.select_related("to_organisation", "incident_type", "created_by"):
        if any(
            (not rule.hate_only or incident.hate_motivated)
            and (not rule.category or incident.category == rule.category)
            and (
                rule.incident_type_id is None or incident.incident_type_id == rule.incident_type_id
            )
            for incident in incidents
        ):
            matched.append(rule)
    return matched


def rules_apply(*, case: Case, incident_ids: list[int]) -> list[CaseShare]:
    """Share the case as every active rule matching its lead and one of these incidents says,
    unless it is (or was, before the lead revoked it) shared with that partner. Runs inside
    the caller's transaction: the shares commit with the incident's link. Returns the shares
    made."""
    if not SharingRule.objects.filter(retired_at__isnull=True).exists():
        return []
    case = Case.objects.select_related("lead_organisation").get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        return []
    incidents = list(Incident.objects.filter(pk__in=incident_ids))
    made = []
    for rule in _matching(case, incidents):
        partner = rule.to_organisation
        if partner.pk == case.lead_organisation_id:
            continue
        # Shared already, or shared once and revoked by the lead: the lead's call stands.
        if CaseShare.objects.filter(case=case, organisation=partner).exists():
            continue
        try:
            with transaction.atomic():
                made.append(
                    case_share_by_partnership_rule(
                        case=case,
                        organisation=partner,
                        access_level=rule.access_level,
                        include_people=rule.include_people,
                        rule_id=rule.pk,
                        rule=rule.describe(),
                        set_by=rule.created_by,
                    )
                )
        except ValidationError as exc:
            audit_record(
                actor=RULE_ACTOR,
                verb=Verb.CHANGED,
                action="sharing_rule_not_applied",
                target=case,
                organisation=case.lead_organisation,
                detail={
                    "rule": rule.pk,
                    "with": partner.slug,
                    "reason": "; ".join(exc.messages),
                },
            )
    return made


def _on_case_incidents_linked(sender, case: Case, incident_ids: list[int], **kwargs) -> None:
    rules_apply(case=case, incident_ids=incident_ids)


def _on_incidents_recorded(sender, incident_ids: list[int], **kwargs) -> None:
    """An incident changed (say, now recorded as hate-motivated) may make a rule match the
    open cases it is on."""
    if not SharingRule.objects.filter(retired_at__isnull=True).exists():
        return
    links = CaseIncident.objects.filter(incident_id__in=incident_ids).exclude(
        case__status=CaseStatus.CLOSED
    )
    by_case: dict[int, list[int]] = {}
    for case_id, incident_id in links.values_list("case_id", "incident_id"):
        by_case.setdefault(case_id, []).append(incident_id)
    for case in Case.objects.filter(pk__in=by_case):
        rules_apply(case=case, incident_ids=by_case[case.pk])


def connect() -> None:
    case_incidents_linked.connect(
        _on_case_incidents_linked, dispatch_uid="governance.sharing.case_incidents_linked"
    )
    incidents_recorded.connect(
        _on_incidents_recorded, dispatch_uid="governance.sharing.incidents_recorded"
    )
