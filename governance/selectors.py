"""Reads for an organisation's data protection lead: its review queue, the subject access
bundle of one person, and who viewed what. Everything comes through `access.rules` (the
`held_*` rules: what the organisation itself holds); anything else is 404."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from access import rules
from access.viewer import Viewer
from asb_cases.models import (
    Case,
    CaseAction,
    CaseNote,
    CasePerson,
    ContactLog,
    ImpactStatement,
    Incident,
    RiskAssessment,
    SupportReferral,
)
from community_trigger.models import Application
from governance.models import DisposalItem, LegalHold, RetentionPolicy
from partners.models import AuditEvent, Organisation
from victims.models import Person, PersonDetails

REDACTED = "[third party]"


def _require(viewer: Viewer) -> None:
    if not rules.may_govern(viewer):
        raise Http404


# Retention -----------------------------------------------------------------------------------


def queue_for_viewer(*, viewer: Viewer, status: str = DisposalItem.Status.PENDING):
    _require(viewer)
    return DisposalItem.objects.filter(organisation_id=viewer.organisation_id, status=status)


def policies_for_viewer(*, viewer: Viewer) -> list[RetentionPolicy]:
    """The policies that apply to the organisation's records: its own, else the default."""
    _require(viewer)
    applying: dict[str, RetentionPolicy] = {}
    for policy in RetentionPolicy.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id=viewer.organisation_id)
    ).order_by("record_type", "organisation_id"):
        if policy.record_type not in applying or policy.organisation_id is not None:
            applying[policy.record_type] = policy
    return sorted(applying.values(), key=lambda p: p.get_record_type_display())


def holds_for_viewer(*, viewer: Viewer) -> QuerySet[LegalHold]:
    _require(viewer)
    return LegalHold.objects.filter(
        organisation_id=viewer.organisation_id, released_at__isnull=True
    ).select_related("placed_by")


def hold_get_for_viewer(*, viewer: Viewer, hold_id: int) -> LegalHold:
    hold = holds_for_viewer(viewer=viewer).filter(pk=hold_id).first()
    if hold is None:
        raise Http404
    return hold


def hold_target_find(*, viewer: Viewer, scope: str, reference: str) -> int | None:
    """The id of the record a hold names, among those the organisation holds: a case by its
    reference, an incident by its number, a person by their record's id (uuid)."""
    _require(viewer)
    reference = reference.strip()
    if scope == LegalHold.Scope.CASE:
        case = rules.held_cases(viewer).filter(reference__iexact=reference).first()
        return case.pk if case else None
    if scope == LegalHold.Scope.INCIDENT:
        if not reference.isdigit():
            return None
        incident = rules.held_incidents(viewer).filter(pk=int(reference)).first()
        return incident.pk if incident else None
    try:
        person = held_person_get(viewer=viewer, person_uuid=reference)
    except (Http404, ValueError):
        return None
    return person.pk


# Subject access ------------------------------------------------------------------------------


def _group(person: Person) -> list[int]:
    """The person and every record merged with them (a bundle covers all of them)."""
    root = person.merged_into_id or person.pk
    return list(
        Person.objects.filter(Q(pk=root) | Q(merged_into_id=root)).values_list("pk", flat=True)
    )


def _holds_anything(viewer: Viewer, group: list[int]) -> bool:
    return (
        rules.held_person_details(viewer).filter(person_id__in=group).exists()
        or rules.held_incidents(viewer)
        .filter(Q(victim_id__in=group) | Q(reporter_id__in=group))
        .exists()
        or rules.held_case_people(viewer).filter(person_id__in=group).exists()
        or rules.held_applications(viewer).filter(victim_id__in=group).exists()
    )


def held_person_get(*, viewer: Viewer, person_uuid) -> Person:
    """A person the viewer's organisation holds something about; 404 for anyone else."""
    _require(viewer)
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None or not _holds_anything(viewer, _group(person)):
        raise Http404
    return person


def subject_access_search(
    *, viewer: Viewer, given_name: str, family_name: str, date_of_birth: dt.date | None
) -> list[PersonDetails]:
    """The organisation's own records of people with this name (and date of birth, if given)."""
    _require(viewer)
    found = rules.held_person_details(viewer).filter(
        given_name__iexact=given_name.strip(), family_name__iexact=family_name.strip()
    )
    if date_of_birth:
        found = found.filter(Q(date_of_birth=date_of_birth) | Q(date_of_birth__isnull=True))
    return list(found.select_related("person").order_by("family_name", "given_name", "pk")[:50])


@dataclass
class Bundle:
    """Everything one organisation holds about one person, as plain data (the HTML page and
    the JSON download are both made from it)."""

    organisation: str
    person_id: str
    redacted: bool
    details: list[dict] = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    assessments: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    referrals: list[dict] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    views: list[dict] = field(default_factory=list)
    also_held_by: list[str] = field(default_factory=list)
    third_parties: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "person": self.person_id,
            "third_parties_redacted": self.redacted,
            "details": self.details,
            "incidents": self.incidents,
            "cases": self.cases,
            "risk_assessments": self.assessments,
            "contacts": self.contacts,
            "support_referrals": self.referrals,
            "impact_statements": self.statements,
            "case_review_applications": self.applications,
            "documents": self.documents,
            "viewed_by_our_staff": self.views,
            "also_held_by": [
                f"Also held by {name}: ask them for what they hold" for name in self.also_held_by
            ],
        }

    @property
    def is_empty(self) -> bool:
        return not (self.details or self.incidents or self.cases or self.applications)


class _Redactor:
    """Replaces third parties' names in free text, longest first, whole words only."""

    def __init__(self, names: set[str]):
        words = sorted(
            {n.strip() for n in names if n and len(n.strip()) >= 3}, key=len, reverse=True
        )
        self.pattern = (
            re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
            if words
            else None
        )

    def __call__(self, text: str) -> str:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(REDACTED, text)


def _date(value) -> str:
    return value.isoformat() if value else ""


def subject_access_bundle(*, viewer: Viewer, person: Person, redact: bool) -> Bundle:
    """What the viewer's organisation holds about `person` (found by `held_person_get`)."""
    _require(viewer)
    group = _group(person)
    organisation = viewer.organisation
    bundle = Bundle(organisation=organisation.name, person_id=str(person.uuid), redacted=redact)

    details = list(
        rules.held_person_details(viewer)
        .filter(person_id__in=group)
        .prefetch_related("vulnerability_factors")
    )
    subject_names = {n for d in details for n in (d.full_name, d.given_name, d.family_name)}

    links = list(
        rules.held_case_people(viewer)
        .filter(person_id__in=group)
        .select_related("case", "case__incident_type")
        .order_by("case__opened_at", "case_id")
    )
    case_ids = sorted({link.case_id for link in links})
    incidents = list(
        rules.held_incidents(viewer)
        .filter(Q(victim_id__in=group) | Q(reporter_id__in=group))
        .select_related("incident_type")
        .order_by("occurred_at", "pk")
    )
    # Third parties: everyone else on those cases and incidents, by the names this
    # organisation recorded for them.
    others = set(
        CasePerson.objects.filter(case_id__in=case_ids)
        .exclude(person_id__in=group)
        .values_list("person_id", flat=True)
    ) | {
        p
        for incident in incidents
        for p in (incident.victim_id, incident.reporter_id)
        if p and p not in group
    }
    third_names = {
        name
        for d in rules.held_person_details(viewer).filter(person_id__in=others)
        for name in (d.full_name, d.given_name, d.family_name)
    } - subject_names
    bundle.third_parties = len(others)
    clean = _Redactor(third_names) if redact else (lambda text: text)

    for d in details:
        bundle.details.append(
            {
                "recorded_by": organisation.name,
                "given_name": d.given_name,
                "family_name": d.family_name,
                "date_of_birth": _date(d.date_of_birth),
                "address": d.address,
                "postcode": d.postcode,
                "uprn": d.uprn,
                "phone": d.phone,
                "email": d.email,
                "preferred_contact_method": d.get_preferred_contact_method_display(),
                "preferred_contact_times": d.preferred_contact_times,
                "safe_to_leave_messages": d.safe_to_leave_messages,
                "interpreter_needed": d.interpreter_needed,
                "language": d.language,
                "large_print": d.large_print,
                "other_access_needs": d.other_access_needs,
                "vulnerability_factors": [f.name for f in d.vulnerability_factors.all()],
                "consent_given_on": _date(d.consent_given_on),
                "consent_scope": d.get_consent_scope_display(),
                "consent_withdrawn_on": _date(d.consent_withdrawn_on),
                "recorded_on": _date(d.created_at),
                "last_changed_on": _date(d.updated_at),
            }
        )
    for incident in incidents:
        roles = [
            role
            for role, pk in (("victim", incident.victim_id), ("reporter", incident.reporter_id))
            if pk in group
        ]
        bundle.incidents.append(
            {
                "number": incident.pk,
                "as": " and ".join(roles),
                "occurred_at": _date(incident.occurred_at),
                "reported_at": _date(incident.reported_at),
                "type": incident.incident_type.name,
                "category": incident.get_category_display(),
                "channel": incident.get_channel_display(),
                "hate_motivated": incident.hate_motivated,
                "protected_characteristic": incident.get_protected_characteristic_display(),
                "address": incident.address,
                "postcode": incident.postcode,
                "description": clean(incident.description),
            }
        )

    own_case_ids = [link.case_id for link in links]
    notes = CaseNote.objects.filter(case_id__in=own_case_ids).filter(
        organisation_id=organisation.pk
    )
    notes_by_case: dict[int, list[dict]] = {}
    for note in notes.order_by("created_at", "pk"):
        notes_by_case.setdefault(note.case_id, []).append(
            {
                "written_at": _date(note.created_at),
                "visibility": note.get_visibility_display(),
                "text": clean(note.body),
            }
        )
    actions = rules.held_by_staff(viewer, CaseAction).filter(subject_id__in=group)
    actions_by_case: dict[int, list[dict]] = {}
    for action in actions.select_related("action_type").order_by("started_at", "pk"):
        actions_by_case.setdefault(action.case_id, []).append(
            {
                "type": action.action_type.name,
                "started_at": _date(action.started_at),
                "expires_at": _date(action.expires_at),
                "outcome": action.get_outcome_display(),
                "notes": clean(action.notes),
            }
        )
    seen_cases = set()
    for link in links:
        case = link.case
        if case.pk in seen_cases:
            for entry in bundle.cases:
                if entry["reference"] == case.reference:
                    entry["roles"].append(link.get_role_display())
            continue
        seen_cases.add(case.pk)
        led_here = case.lead_organisation_id == organisation.pk
        bundle.cases.append(
            {
                "reference": case.reference,
                "roles": [link.get_role_display()],
                "led_by_us": led_here,
                "title": clean(case.title) if led_here else "",
                "summary": clean(case.summary) if led_here else "",
                "status": case.get_status_display(),
                "opened_at": _date(case.opened_at),
                "closed_at": _date(case.closed_at),
                "notes": notes_by_case.get(case.pk, []),
                "actions": actions_by_case.get(case.pk, []),
            }
        )

    for a in (
        rules.held_by_staff(viewer, RiskAssessment)
        .filter(person_id__in=group)
        .order_by("assessed_at")
    ):
        bundle.assessments.append(
            {
                "case": a.case.reference,
                "assessed_at": _date(a.assessed_at),
                "score": a.score,
                "band": a.get_band_display(),
                "notes": clean(a.notes),
            }
        )
    for c in (
        rules.held_by_staff(viewer, ContactLog).filter(person_id__in=group).order_by("contacted_at")
    ):
        bundle.contacts.append(
            {
                "case": c.case.reference,
                "contacted_at": _date(c.contacted_at),
                "method": c.get_method_display(),
                "made_contact": c.made_contact,
                "summary": clean(c.summary),
            }
        )
    for r in (
        rules.held_by_staff(viewer, SupportReferral)
        .filter(person_id__in=group)
        .order_by("referred_at")
    ):
        bundle.referrals.append(
            {
                "case": r.case.reference,
                "referred_at": _date(r.referred_at),
                "service": r.get_service_display(),
                "status": r.get_status_display(),
                "reason": clean(r.reason),
                "outcome": clean(r.outcome),
            }
        )
    for s in (
        rules.held_by_staff(viewer, ImpactStatement)
        .filter(person_id__in=group)
        .order_by("created_at")
    ):
        bundle.statements.append(
            {
                "case": s.case.reference if s.case_id else "",
                "version": s.version,
                "written_at": _date(s.created_at),
                "text": clean(s.text),
            }
        )
    for application in (
        rules.held_applications(viewer).filter(victim_id__in=group).order_by("received_at")
    ):
        bundle.applications.append(
            {
                "reference": application.reference,
                "received_at": _date(application.received_at),
                "stage": application.get_stage_display(),
                "applicant_name": application.applicant_name
                if application.relationship == Application.Relationship.SELF or not redact
                else REDACTED,
                "relationship": application.get_relationship_display(),
                "description": clean(application.description),
            }
        )

    application_ids = list(
        rules.held_applications(viewer).filter(victim_id__in=group).values_list("pk", flat=True)
    )
    bundle.documents = _documents(
        viewer,
        group=group,
        case_ids=sorted(seen_cases),
        incident_ids=[incident.pk for incident in incidents],
        application_ids=application_ids,
        clean=clean,
    )

    case_pks = [str(pk) for pk in seen_cases]
    trail = AuditEvent.objects.filter(organisation_id=organisation.pk).filter(
        Q(target_type="victims.person", target_id__in=[str(pk) for pk in group])
        | Q(target_type="asb_cases.case", target_id__in=case_pks)
    )
    for event in trail.order_by("occurred_at", "id")[:2000]:
        bundle.views.append(
            {
                "when": _date(event.occurred_at),
                "who": event.actor_label,
                "what": event.get_verb_display(),
                "record": "this person" if event.target_type == "victims.person" else "a case",
            }
        )

    bundle.also_held_by = other_holders(organisation=organisation, group=group)
    return bundle


def _documents(viewer, *, group, case_ids, incident_ids, application_ids, clean) -> list[dict]:
    """The organisation's own evidence and letters on the person's records (cases, incidents,
    applications in this bundle) and its letters to them: what each is, never the file."""
    documents = (
        rules.held_documents(viewer)
        .filter(
            Q(case_id__in=case_ids)
            | Q(incident_id__in=incident_ids)
            | Q(application_id__in=application_ids)
            | Q(letter__recipient_id__in=group)
        )
        .select_related("case", "application")
        .order_by("created_at", "pk")
    )
    rows = []
    for document in documents:
        if document.case_id:
            record = f"Case {document.case.reference}"
        elif document.incident_id:
            record = f"Incident {document.incident_id}"
        else:
            record = f"Case Review application {document.application.reference}"
        rows.append(
            {
                "title": clean(document.title),
                "kind": document.get_kind_display(),
                "added_on": _date(document.created_at),
                "record": record,
                "file_name": clean(document.file_name),
                "description": clean(document.description),
            }
        )
    return rows


def other_holders(*, organisation: Organisation, group: list[int]) -> list[str]:
    """The other agencies holding anything about the person: names only, never what."""
    holders = (
        set(
            PersonDetails.objects.filter(person_id__in=group).values_list(
                "organisation_id", flat=True
            )
        )
        | set(
            Incident.objects.filter(Q(victim_id__in=group) | Q(reporter_id__in=group)).values_list(
                "reported_to_id", flat=True
            )
        )
        | set(
            Case.objects.filter(person_links__person_id__in=group).values_list(
                "lead_organisation_id", flat=True
            )
        )
    ) - {organisation.pk}
    return sorted(Organisation.objects.filter(pk__in=holders).values_list("name", flat=True))


# Who viewed what -----------------------------------------------------------------------------


@dataclass
class TrailFilters:
    verb: str = ""
    username: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def case_get_for_governance(*, viewer: Viewer, case_uuid) -> Case:
    _require(viewer)
    case = rules.governed_cases(viewer).filter(uuid=case_uuid).first()
    if case is None:
        raise Http404
    return case


def case_find_for_governance(*, viewer: Viewer, reference: str) -> Case | None:
    _require(viewer)
    return rules.governed_cases(viewer).filter(reference__iexact=reference.strip()).first()


def trail_for_person(
    *, viewer: Viewer, person: Person, filters: TrailFilters
) -> QuerySet[AuditEvent]:
    """Every view, search, export and change of the person's records by the organisation's
    own staff: the person's pages, and the searches whose results listed them."""
    _require(viewer)
    group = _group(person)
    uuids = [str(u) for u in Person.objects.filter(pk__in=group).values_list("uuid", flat=True)]
    about = Q(target_type="victims.person", target_id__in=[str(pk) for pk in group])
    if connection.vendor == "postgresql":  # JSON containment: searches that listed them
        for value in uuids:
            about |= Q(detail__results__contains=[value]) | Q(detail__people__contains=[value])
    events = AuditEvent.objects.filter(organisation_id=viewer.organisation_id).filter(about)
    return _filtered(events, filters)


def trail_for_case(*, viewer: Viewer, case: Case, filters: TrailFilters) -> QuerySet[AuditEvent]:
    """Every view, search, export and change of the case by the organisation's own staff and,
    where it leads the case, by the staff of the partners it shared it with."""
    _require(viewer)
    about = Q(target_type="asb_cases.case", target_id=str(case.pk))
    if connection.vendor == "postgresql":  # searches and lists that showed it
        about |= Q(detail__shown__contains=[case.reference])
    events = AuditEvent.objects.filter(about)
    if case.lead_organisation_id != viewer.organisation_id:
        events = events.filter(organisation_id=viewer.organisation_id)
    return _filtered(events, filters)


def _filtered(events: QuerySet[AuditEvent], filters: TrailFilters) -> QuerySet[AuditEvent]:
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.username:
        events = events.filter(actor_label__icontains=filters.username.strip())
    if filters.date_from:
        events = events.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(occurred_at__date__lte=filters.date_to)
    return events.select_related("organisation").order_by("-occurred_at", "-id")
