"""Writes for incidents and cases. Each is one transaction with its audit event.

Every service takes an explicit `actor` and checks what that actor may do: their role's model
permission and, on a case, their organisation's object permission (asb_cases.access). Objects
passed in (a case, an incident to link) must already have been fetched through a selector scoped
to the actor; the services check the permission to act on them again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from asb_cases import access, geography
from asb_cases.models import (
    ActionType,
    Case,
    CaseAction,
    CaseIncident,
    CaseLocation,
    CaseNote,
    CasePerson,
    CaseReferenceCounter,
    CaseShare,
    CaseStatus,
    CaseStatusChange,
    CaseTask,
    Incident,
    IncidentType,
    OwnershipTransfer,
    PersonRole,
)
from asb_cases.signals import incidents_recorded
from partners.audit import audit_event, audit_record, audit_record_many, changes_between
from partners.models import AuditEvent, LocalAuthority, Organisation, User
from partners.postcodes import is_valid_postcode, normalise_postcode
from victims import selectors as victim_selectors
from victims import services as victim_services
from victims.matching import normalise_name
from victims.models import Person, RiskQuestionnaire

Verb = AuditEvent.Verb

# A little tolerance for clocks that disagree, when refusing times in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)


class CaseConflict(Exception):
    """The case changed since the user loaded it; their edit was not applied."""

    def __init__(self, case: Case):
        super().__init__(f"{case.reference} was changed by someone else")
        self.case = case


# Helpers ------------------------------------------------------------------------------------


def _organisation(actor: User) -> Organisation:
    return actor.membership.organisation


def _require_perm(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(f"{actor} lacks {perm}")


def _require_case(actor: User, case: Case, codename: str) -> None:
    access_ = access.CaseAccess.for_user(actor, case)
    allowed = {
        access.VIEW: access_.can_view,
        access.CONTRIBUTE: access_.can_contribute,
        access.CHANGE: access_.can_change,
        access.SHARE: access_.can_share,
    }[codename]
    if not allowed:
        raise PermissionDenied(f"{actor} may not {codename} on {case.reference}")


def _touch(case: Case) -> None:
    """Move the case up the lists when something is added to it (no version change)."""
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    case.updated_at = now


def _snapshot(instance, fields: list[str]) -> dict[str, Any]:
    values = {}
    for name in fields:
        value = getattr(instance, name)
        if hasattr(value, "pk"):
            value = str(value.pk)
        elif isinstance(value, dt.date | dt.datetime | Decimal):
            value = str(value)
        values[name] = value
    return values


@dataclass
class LocationInput:
    address: str = ""
    postcode: str = ""
    uprn: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    local_authority: LocalAuthority | None = None

    def is_empty(self) -> bool:
        return not (self.address or self.postcode or self.uprn or self.latitude is not None)


def resolve_location(location: LocationInput) -> dict[str, Any]:
    """The location's fields with its areas derived from coordinates, or from the areas of an
    earlier address with the same postcode; the officer's choice of local authority stands
    where nothing can be derived."""
    postcode = normalise_postcode(location.postcode) if location.postcode else ""
    fields: dict[str, Any] = {
        "address": location.address.strip(),
        "postcode": postcode,
        "uprn": location.uprn.strip(),
        "latitude": location.latitude,
        "longitude": location.longitude,
        "lsoa_code": "",
        "lsoa_vintage": None,
        "ward_code": "",
        "ward_year": None,
        "local_authority": location.local_authority,
    }
    area = None
    if location.latitude is not None and location.longitude is not None:
        area = geography.area_for_point(location.latitude, location.longitude)
    if area is not None:
        fields.update(
            lsoa_code=area.lsoa_code,
            lsoa_vintage=area.lsoa_vintage,
            ward_code=area.ward_code,
            ward_year=area.ward_year,
            local_authority=LocalAuthority.objects.filter(code=area.local_authority_code).first()
            or location.local_authority,
        )
    elif postcode:
        known = (
            Incident.objects.filter(postcode=postcode)
            .exclude(lsoa_code="")
            .values("lsoa_code", "lsoa_vintage", "ward_code", "ward_year", "local_authority")
            .first()
        )
        if known:
            fields.update(known)
            fields["local_authority"] = (
                LocalAuthority.objects.filter(pk=known["local_authority"]).first()
                or location.local_authority
            )
    return fields


# Incidents ------------------------------------------------------------------------------------


@dataclass
class IncidentInput:
    occurred_at: dt.datetime
    reported_at: dt.datetime
    channel: str
    category: str
    incident_type: IncidentType
    description: str
    location: LocationInput = field(default_factory=LocationInput)
    hate_motivated: bool = False
    protected_characteristic: str = ""
    anonymous: bool = False
    reporter: Person | None = None
    victim: Person | None = None
    external_ref: str = ""


def incident_validate(data: IncidentInput, *, now: dt.datetime | None = None) -> None:
    """The rules an incident must meet, as field errors (shared by the pages and the API)."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if data.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = "The date and time it happened must be in the past"
    if data.reported_at > now + CLOCK_SKEW:
        errors["reported_at"] = "The date and time it was reported must be in the past"
    if "occurred_at" not in errors and data.reported_at < data.occurred_at:
        errors["reported_at"] = "It cannot have been reported before it happened"
    if data.hate_motivated and not data.protected_characteristic:
        errors["protected_characteristic"] = (
            "Select the protected characteristic the hatred was about"
        )
    if data.anonymous and data.reporter is not None:
        errors["anonymous"] = "An anonymous report cannot name its reporter"
    if data.incident_type is None:
        errors["incident_type"] = "Select the type of incident"
    if data.location.postcode and not is_valid_postcode(data.location.postcode):
        errors["postcode"] = "Enter a real postcode, like DL1 5QT"
    if (data.location.latitude is None) != (data.location.longitude is None):
        errors["latitude"] = "Enter both a latitude and a longitude, or neither"
    if data.incident_type is not None and not data.incident_type.active:
        errors["incident_type"] = "This incident type is no longer in use"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_record(
    *,
    actor: User,
    data: IncidentInput,
    duplicate_of: Incident | None = None,
    link_to_case: Case | None = None,
) -> Incident:
    """Record a report made to the actor's organisation."""
    _require_perm(actor, "asb_cases.add_incident")
    incident_validate(data)
    organisation = _organisation(actor)
    external_ref = data.external_ref.strip()
    if (
        external_ref
        and Incident.objects.filter(reported_to=organisation, external_ref=external_ref).exists()
    ):
        raise ValidationError(
            {"external_ref": f"{organisation} has already recorded an incident with this reference"}
        )
    if link_to_case is not None:
        _require_case(actor, link_to_case, access.CONTRIBUTE)
    incident = Incident(
        reported_to=organisation,
        recorded_by=actor,
        occurred_at=data.occurred_at,
        reported_at=data.reported_at,
        channel=data.channel,
        category=data.category,
        incident_type=data.incident_type,
        hate_motivated=data.hate_motivated,
        protected_characteristic=data.protected_characteristic if data.hate_motivated else "",
        description=data.description.strip(),
        anonymous=data.anonymous,
        reporter=None if data.anonymous else data.reporter,
        victim=data.victim,
        duplicate_of=(duplicate_of.duplicate_of or duplicate_of) if duplicate_of else None,
        external_ref=external_ref,
        **resolve_location(data.location),
    )
    incident.full_clean()
    incident.save()
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="incident_record",
        target=incident,
        detail={
            "incident_type": incident.incident_type.code,
            "duplicate_of": str(incident.duplicate_of.uuid) if incident.duplicate_of else None,
            "external_ref": incident.external_ref,
        },
    )
    if link_to_case is not None:
        case_link_incident(actor=actor, case=link_to_case, incident=incident)
    if incident.victim_id:
        victim_services.person_statuses_refresh(person_ids=[incident.victim_id])
    incidents_recorded.send(sender=Incident, incident_ids=[incident.pk])
    return incident


# Cases ----------------------------------------------------------------------------------------


def _next_reference(year: int) -> str:
    counter, _ = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return f"ASB-{year}-{counter.last_number:06d}"


def case_refresh_search_document(case: Case) -> None:
    """Rebuild the lower-cased text the case search looks in: reference, title, people's
    names, addresses and postcodes (with and without their space)."""
    parts = [case.reference, case.title]
    for given, family in case.people.values_list("given_name", "family_name"):
        parts.append(f"{given} {family}")
    addresses = list(case.locations.values_list("address", "postcode")) + list(
        case.incidents.values_list("address", "postcode")
    )
    for address, postcode in addresses:
        parts += [address, postcode, postcode.replace(" ", "")]
    document = " | ".join(part.lower() for part in parts if part)
    Case.objects.filter(pk=case.pk).update(search_document=document)
    case.search_document = document


def _validate_lead_officer(lead_officer: User | None, organisation: Organisation) -> None:
    if lead_officer is None:
        return
    membership = getattr(lead_officer, "membership", None)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or not lead_officer.is_active
        or not lead_officer.has_perm("asb_cases.contribute_case")
    ):
        raise ValidationError(
            {"lead_officer": f"The lead officer must be an active officer of {organisation}"}
        )


@transaction.atomic
def case_open(
    *,
    actor: User,
    title: str,
    incident_type: IncidentType,
    summary: str = "",
    risk_band: str = "standard",
    lead_officer: User | None = None,
    incidents: list[Incident] = (),
    location: LocationInput | None = None,
) -> Case:
    """Open a case led by the actor's organisation, optionally from incidents it can see."""
    _require_perm(actor, "asb_cases.add_case")
    organisation = _organisation(actor)
    _validate_lead_officer(lead_officer, organisation)
    now = timezone.now()
    location_fields = resolve_location(location) if location and not location.is_empty() else {}
    local_authority = location_fields.get("local_authority") or next(
        (i.local_authority for i in incidents if i.local_authority_id), None
    )
    case = Case(
        reference=_next_reference(timezone.localdate().year),
        title=title.strip(),
        summary=summary.strip(),
        incident_type=incident_type,
        lead_organisation=organisation,
        lead_officer=lead_officer,
        risk_band=risk_band,
        local_authority=local_authority,
        opened_at=now,
        created_by=actor,
    )
    case.full_clean()
    case.save()
    CaseStatusChange.objects.create(
        case=case,
        status=CaseStatus.OPEN,
        changed_by=actor,
        organisation=organisation,
        changed_at=now,
        note="Case opened",
    )
    grants = access.case_permissions_sync(case)
    if location_fields:
        CaseLocation.objects.create(case=case, added_by=actor, added_at=now, **location_fields)
    for incident in incidents:
        _link_incident(actor=actor, case=case, incident=incident, now=now)
    case_refresh_search_document(case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="case_open",
        target=case,
        detail={
            "reference": case.reference,
            "incidents": [str(i.uuid) for i in incidents],
            "permissions": grants,
        },
    )
    return case


DETAIL_FIELDS = ["title", "summary", "incident_type", "risk_band", "lead_officer"]


@transaction.atomic
def case_update_details(*, actor: User, case: Case, expected_version: int, **changes: Any) -> Case:
    """Change a case's details. Refused with CaseConflict if it changed since `expected_version`."""
    _require_case(actor, case, access.CHANGE)
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not case details: {sorted(unknown)}")
    if "lead_officer" in changes:
        _validate_lead_officer(changes["lead_officer"], case.lead_organisation)
    before = _snapshot(case, list(changes))
    for name, value in changes.items():
        setattr(case, name, value)
    case.full_clean(exclude=["reference"])
    after = _snapshot(case, list(changes))
    diff = changes_between(before, after)
    if not diff:
        return case
    _save_versioned(case, expected_version, {name: getattr(case, name) for name in changes})
    audit_record(
        actor=actor, verb=Verb.CHANGED, action="case_update_details", target=case, detail=diff
    )
    if "risk_band" in diff:
        _refresh_victims(case)
    return case


def _refresh_victims(case: Case) -> None:
    """A case's risk band and whether it is open feed its victims' vulnerable status."""
    victim_ids = list(
        case.person_links.filter(role=PersonRole.VICTIM).values_list("person_id", flat=True)
    )
    if victim_ids:
        victim_services.person_statuses_refresh(person_ids=victim_ids)


def _save_versioned(case: Case, expected_version: int, values: dict[str, Any]) -> None:
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if not updated:
        raise CaseConflict(case)
    case.version = expected_version + 1
    case.updated_at = now


@transaction.atomic
def case_change_status(
    *,
    actor: User,
    case: Case,
    status: str,
    expected_version: int,
    closure_reason: str = "",
    note: str = "",
) -> Case:
    """Move a case to a new status; closing needs a reason and keeps everything."""
    _require_case(actor, case, access.CHANGE)
    if status not in CaseStatus.values:
        raise ValidationError({"status": "Select a status"})
    if status == CaseStatus.CLOSED and not closure_reason:
        raise ValidationError({"closure_reason": "Select why the case is being closed"})
    if status == case.status:
        raise ValidationError({"status": f"The case is already {case.get_status_display()}"})
    before = {"status": case.status, "closure_reason": case.closure_reason}
    now = timezone.now()
    values = {
        "status": status,
        "closure_reason": closure_reason if status == CaseStatus.CLOSED else "",
        "closed_at": now if status == CaseStatus.CLOSED else None,
    }
    _save_versioned(case, expected_version, values)
    for name, value in values.items():
        setattr(case, name, value)
    CaseStatusChange.objects.create(
        case=case,
        status=status,
        closure_reason=values["closure_reason"],
        note=note.strip(),
        changed_by=actor,
        organisation=_organisation(actor),
        changed_at=now,
    )
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_change_status",
        target=case,
        detail=changes_between(
            before, {"status": status, "closure_reason": values["closure_reason"]}
        ),
    )
    _refresh_victims(case)
    return case


def _link_incident(*, actor: User, case: Case, incident: Incident, now: dt.datetime) -> bool:
    _, created = CaseIncident.objects.get_or_create(
        case=case, incident=incident, defaults={"linked_by": actor, "linked_at": now}
    )
    if not created:
        return False
    for person, role in ((incident.victim, PersonRole.VICTIM), (incident.reporter, None)):
        if person is None:
            continue
        if role is None:  # a reporter who is not also the victim is a complainant
            role = PersonRole.VICTIM if incident.victim_id == person.pk else PersonRole.COMPLAINANT
        CasePerson.objects.get_or_create(
            case=case, person=person, role=role, defaults={"added_by": actor, "added_at": now}
        )
    return True


@transaction.atomic
def case_link_incident(*, actor: User, case: Case, incident: Incident) -> bool:
    """Link an incident the actor can see to a case they can contribute to."""
    _require_case(actor, case, access.CONTRIBUTE)
    linked = _link_incident(actor=actor, case=case, incident=incident, now=timezone.now())
    if linked:
        if case.local_authority_id is None and incident.local_authority_id:
            Case.objects.filter(pk=case.pk).update(local_authority=incident.local_authority)
        case_refresh_search_document(case)
        _touch(case)
        audit_record(
            actor=actor,
            verb=Verb.CHANGED,
            action="case_link_incident",
            target=case,
            detail={"incident": str(incident.uuid)},
        )
    return linked


@transaction.atomic
def case_add_person(*, actor: User, case: Case, person: Person, role: str) -> CasePerson:
    _require_case(actor, case, access.CONTRIBUTE)
    if role not in PersonRole.values:
        raise ValidationError({"role": "Select the person's role in the case"})
    link, created = CasePerson.objects.get_or_create(
        case=case,
        person=person,
        role=role,
        defaults={"added_by": actor, "added_at": timezone.now()},
    )
    if not created:
        raise ValidationError(
            {"role": f"{person.full_name} is already on this case as {link.get_role_display()}"}
        )
    case_refresh_search_document(case)
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_add_person",
        target=case,
        detail={"person": str(person.uuid), "role": role},
    )
    return link


@transaction.atomic
def case_add_location(*, actor: User, case: Case, location: LocationInput) -> CaseLocation:
    _require_case(actor, case, access.CONTRIBUTE)
    if location.postcode and not is_valid_postcode(location.postcode):
        raise ValidationError({"postcode": "Enter a real postcode, like DL1 5QT"})
    if location.is_empty():
        raise ValidationError({"address": "Enter an address or a postcode"})
    added = CaseLocation.objects.create(
        case=case, added_by=actor, added_at=timezone.now(), **resolve_location(location)
    )
    case_refresh_search_document(case)
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_add_location",
        target=case,
        detail={"address": added.address, "postcode": added.postcode},
    )
    return added


@transaction.atomic
def case_add_note(*, actor: User, case: Case, body: str, visibility: str) -> CaseNote:
    _require_case(actor, case, access.CONTRIBUTE)
    if not body.strip():
        raise ValidationError({"body": "Enter the note"})
    if visibility not in CaseNote.Visibility.values:
        raise ValidationError({"visibility": "Select who can see the note"})
    note = CaseNote.objects.create(
        case=case,
        author=actor,
        organisation=_organisation(actor),
        body=body.strip(),
        visibility=visibility,
        created_at=timezone.now(),
    )
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="case_add_note",
        target=case,
        detail={"note": note.pk, "visibility": visibility},
    )
    return note


def _age_on(person: Person | None, day: dt.date) -> int | None:
    if person is None or person.date_of_birth is None:
        return None
    born = person.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def action_clocks(
    action_type: ActionType, started_at: dt.datetime, subject: Person | None = None
) -> dict[str, Any]:
    """The statutory clocks of an action, from the limits its type keeps as data."""
    start_day = timezone.localtime(started_at).date()
    age = _age_on(subject, start_day)
    clocks: dict[str, Any] = {"expires_at": None, "review_on": None, "appeal_by": None}
    days = action_type.duration_days
    if age is not None and age < 18 and action_type.duration_days_under_18:
        days = action_type.duration_days_under_18
    if action_type.duration_hours:
        clocks["expires_at"] = started_at + dt.timedelta(hours=action_type.duration_hours)
    elif days:
        clocks["expires_at"] = started_at + dt.timedelta(days=days)
    if action_type.review_after_days:
        clocks["review_on"] = start_day + dt.timedelta(days=action_type.review_after_days)
    if action_type.appeal_within_days:
        clocks["appeal_by"] = start_day + dt.timedelta(days=action_type.appeal_within_days)
    return clocks


@transaction.atomic
def case_add_action(
    *,
    actor: User,
    case: Case,
    action_type: ActionType,
    started_at: dt.datetime,
    officer: User | None = None,
    subject: Person | None = None,
    outcome: str = CaseAction.Outcome.PENDING,
    cost_pounds: Decimal = Decimal("0"),
    notes: str = "",
) -> CaseAction:
    """Record a tool or power used by the actor's organisation, with its clocks."""
    _require_case(actor, case, access.CONTRIBUTE)
    organisation = _organisation(actor)
    officer = officer or actor
    errors = {}
    if started_at > timezone.now() + CLOCK_SKEW:
        errors["started_at"] = "The date it was used must be today or in the past"
    if (
        action_type.allowed_organisation_kinds
        and organisation.kind not in action_type.allowed_organisation_kinds
    ):
        kinds = ", ".join(
            Organisation.Kind(kind).label.lower() for kind in action_type.allowed_organisation_kinds
        )
        errors["action_type"] = f"A {action_type.name.lower()} can only be used by: {kinds}"
    age = _age_on(subject, timezone.localtime(started_at).date())
    if action_type.minimum_age and age is not None and age < action_type.minimum_age:
        errors["subject"] = (
            f"A {action_type.name.lower()} can only be used against someone aged "
            f"{action_type.minimum_age} or over; {subject.full_name} was {age}"
        )
    if subject is not None and not case.person_links.filter(person=subject).exists():
        errors["subject"] = "The person must be on the case"
    if cost_pounds < 0:
        errors["cost_pounds"] = "The cost cannot be negative"
    if officer.membership.organisation_id != organisation.pk:
        errors["officer"] = f"The officer must work for {organisation}"
    if errors:
        raise ValidationError(errors)
    action = CaseAction.objects.create(
        case=case,
        action_type=action_type,
        organisation=organisation,
        officer=officer,
        subject=subject,
        started_at=started_at,
        outcome=outcome,
        cost_pounds=cost_pounds,
        notes=notes.strip(),
        created_by=actor,
        **action_clocks(action_type, started_at, subject),
    )
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="case_add_action",
        target=case,
        detail={
            "action": str(action.uuid),
            "type": action_type.code,
            "cost_pounds": str(cost_pounds),
        },
    )
    return action


@transaction.atomic
def case_add_task(
    *, actor: User, case: Case, title: str, due_on: dt.date, assignee: User
) -> CaseTask:
    _require_case(actor, case, access.CONTRIBUTE)
    errors = {}
    if not title.strip():
        errors["title"] = "Enter what needs doing"
    if due_on < timezone.localdate():
        errors["due_on"] = "The due date must be today or in the future"
    assignee_org = getattr(getattr(assignee, "membership", None), "organisation", None)
    if (
        assignee_org is None
        or not assignee.is_active
        or not access.CaseAccess.for_user(assignee, case).can_contribute
    ):
        errors["assignee"] = "Assign the task to someone who can work on this case"
    if errors:
        raise ValidationError(errors)
    task = CaseTask.objects.create(
        case=case,
        title=title.strip(),
        due_on=due_on,
        assignee=assignee,
        organisation=assignee_org,
        created_by=actor,
    )
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="case_add_task",
        target=case,
        detail={"task": str(task.uuid), "assignee": assignee.get_username(), "due_on": str(due_on)},
    )
    return task


@transaction.atomic
def case_task_complete(*, actor: User, task: CaseTask) -> CaseTask:
    _require_case(actor, task.case, access.CONTRIBUTE)
    if task.status == CaseTask.Status.DONE:
        return task
    task.status = CaseTask.Status.DONE
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_at"])
    _touch(task.case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_task_complete",
        target=task.case,
        detail={"task": str(task.uuid)},
    )
    return task


# Sharing and ownership -----------------------------------------------------------------------


@transaction.atomic
def case_share_with_partner(
    *,
    actor: User,
    case: Case,
    organisation: Organisation,
    access_level: str,
    purpose: str,
    legal_basis: str,
) -> CaseShare:
    """Share a case with a partner organisation; only the lead organisation can."""
    _require_case(actor, case, access.SHARE)
    errors = {}
    if organisation.pk == case.lead_organisation_id:
        errors["organisation"] = "You cannot share a case with your own organisation"
    elif not organisation.active:
        errors["organisation"] = f"{organisation} is not an active partner"
    elif CaseShare.objects.filter(
        case=case, organisation=organisation, revoked_at__isnull=True
    ).exists():
        errors["organisation"] = f"The case is already shared with {organisation}"
    withdrawn = [
        link.person.full_name
        for link in case.person_links.select_related("person")
        if link.person.consent_withdrawn
        and link.role in (PersonRole.VICTIM, PersonRole.COMPLAINANT)
    ]
    if withdrawn:
        errors["organisation"] = (
            f"{', '.join(withdrawn)} withdrew consent to share: this case cannot be shared "
            "further. Review the existing shares instead."
        )
    if access_level not in CaseShare.AccessLevel.values:
        errors["access_level"] = "Select what the partner can do"
    if not purpose.strip():
        errors["purpose"] = "Enter why the partner needs the case"
    if legal_basis not in CaseShare.LegalBasis.values:
        errors["legal_basis"] = "Select the legal basis for sharing"
    if errors:
        raise ValidationError(errors)
    share = CaseShare.objects.create(
        case=case,
        organisation=organisation,
        access_level=access_level,
        purpose=purpose.strip(),
        legal_basis=legal_basis,
        shared_by=actor,
        shared_at=timezone.now(),
    )
    grants = access.case_permissions_sync(case)
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.SHARED,
        action="case_share_with_partner",
        target=case,
        detail={
            "with": organisation.slug,
            "access_level": access_level,
            "legal_basis": legal_basis,
            "purpose": share.purpose,
            "permissions": grants,
        },
    )
    return share


@transaction.atomic
def case_share_revoke(*, actor: User, share: CaseShare, reason: str = "") -> CaseShare:
    _require_case(actor, share.case, access.SHARE)
    if share.revoked_at is not None:
        return share
    share.revoked_at = timezone.now()
    share.revoked_by = actor
    share.revoke_reason = reason.strip()
    share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    grants = access.case_permissions_sync(share.case)
    _touch(share.case)
    audit_record(
        actor=actor,
        verb=Verb.REVOKED,
        action="case_share_revoke",
        target=share.case,
        detail={
            "with": share.organisation.slug,
            "reason": share.revoke_reason,
            "permissions": grants,
        },
    )
    return share


@transaction.atomic
def case_transfer_propose(
    *, actor: User, case: Case, to_organisation: Organisation, reason: str
) -> OwnershipTransfer:
    """Propose that another organisation lead the case. It sees the case while it decides."""
    _require_case(actor, case, access.SHARE)
    errors = {}
    if to_organisation.pk == case.lead_organisation_id:
        errors["to_organisation"] = "Choose another organisation: yours already leads the case"
    elif not to_organisation.active:
        errors["to_organisation"] = f"{to_organisation} is not an active partner"
    if not reason.strip():
        errors["reason"] = "Enter why the other organisation should lead the case"
    if case.transfers.filter(status=OwnershipTransfer.Status.PENDING).exists():
        errors["to_organisation"] = "A transfer of this case is already awaiting an answer"
    if case.is_closed:
        errors["to_organisation"] = "A closed case cannot be transferred"
    if errors:
        raise ValidationError(errors)
    transfer = OwnershipTransfer.objects.create(
        case=case,
        from_organisation=case.lead_organisation,
        to_organisation=to_organisation,
        reason=reason.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    grants = access.case_permissions_sync(case)
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_propose",
        target=case,
        detail={"to": to_organisation.slug, "reason": transfer.reason, "permissions": grants},
    )
    return transfer


def _require_decider(actor: User, transfer: OwnershipTransfer) -> None:
    if actor.membership.organisation_id != transfer.to_organisation_id or not actor.has_perm(
        "asb_cases.decide_transfer"
    ):
        raise PermissionDenied("Only a supervisor of the receiving organisation can decide.")
    if transfer.status != OwnershipTransfer.Status.PENDING:
        raise ValidationError(
            f"This transfer has already been {transfer.get_status_display().lower()}"
        )


@transaction.atomic
def case_transfer_accept(
    *,
    actor: User,
    transfer: OwnershipTransfer,
    lead_officer: User | None = None,
    reason: str = "",
) -> OwnershipTransfer:
    """The receiving organisation takes the lead. The previous lead keeps contribute access,
    recorded as a share, so it can go on helping."""
    _require_decider(actor, transfer)
    case = transfer.case
    _validate_lead_officer(lead_officer, transfer.to_organisation)
    now = timezone.now()
    transfer.status = OwnershipTransfer.Status.ACCEPTED
    transfer.decided_by = actor
    transfer.decided_at = now
    transfer.decision_reason = reason.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    previous = case.lead_organisation
    CaseShare.objects.filter(
        case=case, organisation=transfer.to_organisation, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor, revoke_reason="Now leads the case")
    CaseShare.objects.create(
        case=case,
        organisation=previous,
        access_level=CaseShare.AccessLevel.CONTRIBUTE,
        purpose=f"Led the case until {transfer.to_organisation} accepted it",
        legal_basis=CaseShare.LegalBasis.CDA_S115,
        shared_by=actor,
        shared_at=now,
    )
    Case.objects.filter(pk=case.pk).update(
        lead_organisation=transfer.to_organisation,
        lead_officer=lead_officer,
        version=F("version") + 1,
        updated_at=now,
    )
    case.refresh_from_db()
    grants = access.case_permissions_sync(case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_accept",
        target=case,
        detail={
            "lead_organisation": {"before": previous.slug, "after": transfer.to_organisation.slug},
            "lead_officer": lead_officer.get_username() if lead_officer else None,
            "reason": transfer.decision_reason,
            "permissions": grants,
        },
    )
    return transfer


@transaction.atomic
def case_transfer_decline(
    *, actor: User, transfer: OwnershipTransfer, reason: str
) -> OwnershipTransfer:
    _require_decider(actor, transfer)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you are declining the case"})
    transfer.status = OwnershipTransfer.Status.DECLINED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.decision_reason = reason.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    grants = access.case_permissions_sync(transfer.case)
    _touch(transfer.case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_decline",
        target=transfer.case,
        detail={
            "to": transfer.to_organisation.slug,
            "reason": transfer.decision_reason,
            "permissions": grants,
        },
    )
    return transfer


@transaction.atomic
def case_transfer_withdraw(*, actor: User, transfer: OwnershipTransfer) -> OwnershipTransfer:
    _require_case(actor, transfer.case, access.SHARE)
    if transfer.status != OwnershipTransfer.Status.PENDING:
        raise ValidationError("Only a transfer awaiting an answer can be withdrawn")
    transfer.status = OwnershipTransfer.Status.WITHDRAWN
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    grants = access.case_permissions_sync(transfer.case)
    _touch(transfer.case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_withdraw",
        target=transfer.case,
        detail={"to": transfer.to_organisation.slug, "permissions": grants},
    )
    return transfer


# Victims on a case -----------------------------------------------------------------------------
# The victims app records these; the case decides who may.


def _require_person_on_case(case: Case, person: Person) -> None:
    if not case.person_links.filter(person=person).exists():
        raise ValidationError("The person is not on this case")


@transaction.atomic
def case_victim_assess_risk(
    *,
    actor: User,
    case: Case,
    person: Person,
    questionnaire: RiskQuestionnaire,
    answers: dict[int, bool],
    notes: str = "",
):
    """Record a risk assessment; the case takes the victim's assessed band when it is higher
    or the lead organisation made the assessment."""
    _require_case(actor, case, access.CONTRIBUTE)
    _require_person_on_case(case, person)
    assessment = victim_services.risk_assessment_record(
        actor=actor,
        person=person,
        case=case,
        questionnaire=questionnaire,
        answers=answers,
        notes=notes,
    )
    order = {"standard": 0, "medium": 1, "high": 2}
    lead_assessed = actor.membership.organisation_id == case.lead_organisation_id
    if assessment.band != case.risk_band and (
        lead_assessed or order[assessment.band] > order[case.risk_band]
    ):
        before = case.risk_band
        Case.objects.filter(pk=case.pk).update(
            risk_band=assessment.band, version=F("version") + 1, updated_at=timezone.now()
        )
        case.refresh_from_db()
        audit_record(
            actor=actor,
            verb=Verb.CHANGED,
            action="case_risk_from_assessment",
            target=case,
            detail={
                "risk_band": {"before": before, "after": assessment.band},
                "assessment": str(assessment.uuid),
            },
        )
        _refresh_victims(case)
    else:
        _touch(case)
    return assessment


@transaction.atomic
def case_victim_contact(*, actor: User, case: Case, person: Person, **details):
    _require_case(actor, case, access.CONTRIBUTE)
    contact = victim_services.contact_record(actor=actor, person=person, case=case, **details)
    _touch(case)
    return contact


@transaction.atomic
def case_victim_refer(*, actor: User, case: Case, person: Person, **details):
    _require_case(actor, case, access.CONTRIBUTE)
    referral = victim_services.referral_create(actor=actor, person=person, case=case, **details)
    _touch(case)
    return referral


@transaction.atomic
def case_victim_referral_update(*, actor: User, referral, status: str, outcome: str = ""):
    _require_case(actor, referral.case, access.CONTRIBUTE)
    return victim_services.referral_update(
        actor=actor, referral=referral, status_=status, outcome=outcome
    )


@transaction.atomic
def case_victim_statement(*, actor: User, case: Case, person: Person, text: str, reading: str):
    _require_case(actor, case, access.CONTRIBUTE)
    statement = victim_services.statement_record(
        actor=actor,
        person=person,
        case=case,
        text=text,
        reading=reading,
        source="officer",
    )
    _touch(case)
    return statement


@transaction.atomic
def case_victim_statement_correct(
    *, actor: User, statement, text: str, reading: str, correction_note: str
):
    _require_case(actor, statement.case, access.CONTRIBUTE)
    return victim_services.statement_correct(
        actor=actor,
        statement=statement,
        text=text,
        reading=reading,
        correction_note=correction_note,
    )


# Incidents from partner systems ---------------------------------------------------------------
# A partner system (a housing CRM, the police records system) sends incidents with its own
# reference; sending one again updates it. People are matched without an officer to confirm, so
# only on a strong match: the same normalised name and the same date of birth.

IMPORT_CREATED = "created"
IMPORT_UPDATED = "updated"
IMPORT_ERROR = "error"
# Incident fields a partner system's update may change (with the location fields).
INCIDENT_INPUT_FIELDS = [
    "occurred_at",
    "reported_at",
    "channel",
    "category",
    "incident_type",
    "hate_motivated",
    "protected_characteristic",
    "description",
    "anonymous",
    "reporter",
    "victim",
]


@dataclass
class PersonDetails:
    """A person as a partner system describes them."""

    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    postcode: str = ""
    address: str = ""

    def same_as(self, person: Person) -> bool:
        """Whether `person` has this name (normalised) and date of birth (or neither has one)."""
        return (
            normalise_name(self.given_name) == normalise_name(person.given_name)
            and normalise_name(self.family_name) == normalise_name(person.family_name)
            and self.date_of_birth == person.date_of_birth
        )


@dataclass
class IncidentImport:
    """One incident from a partner system. `data.external_ref` is required; the reporter and
    victim are given as details (`data.reporter` and `data.victim` are set from them)."""

    data: IncidentInput
    reporter: PersonDetails | None = None
    victim: PersonDetails | None = None
    victim_is_reporter: bool = False


@dataclass
class ImportResult:
    external_ref: str
    outcome: str  # IMPORT_CREATED, IMPORT_UPDATED or IMPORT_ERROR
    incident: Incident | None = None
    # Field name -> messages; a person's fields are "reporter.<field>" and "victim.<field>".
    errors: dict[str, list[str]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)


def _comparable(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _incident_values(data: IncidentInput, location: dict[str, Any]) -> dict[str, Any]:
    return {
        "occurred_at": data.occurred_at,
        "reported_at": data.reported_at,
        "channel": data.channel,
        "category": data.category,
        "incident_type": data.incident_type,
        "hate_motivated": data.hate_motivated,
        "protected_characteristic": data.protected_characteristic if data.hate_motivated else "",
        "description": data.description.strip(),
        "anonymous": data.anonymous,
        "reporter": None if data.anonymous else data.reporter,
        "victim": data.victim,
        **location,
    }


def _incident_apply_update(*, actor: User, incident: Incident, values: dict[str, Any]) -> dict:
    """Set `values` on the incident and save what changed, audited; returns the changes."""
    before = {name: _comparable(getattr(incident, name)) for name in values}
    for name, value in values.items():
        setattr(incident, name, value)
    diff = changes_between(before, {name: _comparable(getattr(incident, name)) for name in values})
    if not diff:
        return diff
    incident.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor, verb=Verb.CHANGED, action="incident_update", target=incident, detail=diff
    )
    if {"address", "postcode"} & diff.keys():
        for case in Case.objects.filter(incident_links__incident=incident):
            case_refresh_search_document(case)
    incidents_recorded.send(sender=Incident, incident_ids=[incident.pk])
    return diff


def _require_own_incident(actor: User, incident: Incident) -> None:
    _require_perm(actor, "asb_cases.change_incident")
    if incident.reported_to_id != actor.membership.organisation_id:
        raise PermissionDenied("Only the organisation an incident was reported to can change it")


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, data: IncidentInput) -> Incident:
    """Change an incident reported to the actor's organisation: what happened, when, where and
    to whom. Cases it is on keep it; the people's statuses are refreshed."""
    _require_own_incident(actor, incident)
    incident_validate(data)
    external_ref = data.external_ref.strip() or incident.external_ref
    if (
        external_ref != incident.external_ref
        and Incident.objects.filter(
            reported_to_id=incident.reported_to_id, external_ref=external_ref
        )
        .exclude(pk=incident.pk)
        .exists()
    ):
        raise ValidationError(
            {"external_ref": "Your organisation already has an incident with this reference"}
        )
    victims_before = {incident.victim_id}
    values = _incident_values(data, resolve_location(data.location))
    values["external_ref"] = external_ref
    diff = _incident_apply_update(actor=actor, incident=incident, values=values)
    people = {pk for pk in victims_before | {incident.victim_id} if pk}
    if diff and people:
        victim_services.person_statuses_refresh(person_ids=sorted(people))
    return incident


def _import_person(
    *,
    actor: User,
    details: PersonDetails | None,
    previous: Person | None,
    known: dict,
    created: dict,
    new_people: list[Person],
    role: str,
) -> Person | None:
    """The person the details describe: the one already on the incident if they are the same,
    else the partnership's person on a strong match, else a new person (built here, added to
    `new_people`, and saved with the others before the incidents)."""
    if details is None:
        return None
    if previous is not None and details.same_as(previous):
        return previous
    key = None
    if details.date_of_birth is not None:
        key = victim_selectors.strong_match_key(
            details.given_name, details.family_name, details.date_of_birth
        )
        if key in created or key in known:
            return created.get(key) or known[key]
    try:
        person = victim_services.person_build(
            actor=actor,
            given_name=details.given_name,
            family_name=details.family_name,
            date_of_birth=details.date_of_birth,
            postcode=details.postcode,
            address=details.address,
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise ValidationError(
            {
                f"{role}.{name}" if name != "__all__" else role: messages
                for name, messages in errors.items()
            }
        ) from exc
    new_people.append(person)
    if key is not None:
        created[key] = person
    return person


def _import_location(
    location: LocationInput, authorities: dict[str, LocalAuthority]
) -> dict[str, Any]:
    """`resolve_location` for a batch: the local authorities are looked up in memory."""
    area = None
    if location.latitude is not None and location.longitude is not None:
        area = geography.area_for_point(location.latitude, location.longitude)
    if area is None:
        return resolve_location(location)
    return {
        "address": location.address.strip(),
        "postcode": normalise_postcode(location.postcode) if location.postcode else "",
        "uprn": location.uprn.strip(),
        "latitude": location.latitude,
        "longitude": location.longitude,
        "lsoa_code": area.lsoa_code,
        "lsoa_vintage": area.lsoa_vintage,
        "ward_code": area.ward_code,
        "ward_year": area.ward_year,
        "local_authority": authorities.get(area.local_authority_code) or location.local_authority,
    }


# incident_validate's names for location errors, as the import reports them.
_LOCATION_ERRORS = {"postcode": "location.postcode", "latitude": "location.latitude"}


def _import_values(
    *,
    actor: User,
    item: IncidentImport,
    existing: Incident | None,
    known: dict,
    created: dict,
    new_people: list[Person],
    authorities: dict[str, LocalAuthority],
) -> dict[str, Any]:
    """The incident's fields from a partner system's item, checked, with its people found or
    built (ValidationError, naming the item's own fields, if it is wrong)."""
    data = item.data
    if data.anonymous and item.reporter is not None:
        raise ValidationError({"anonymous": "An anonymous report cannot name its reporter"})
    if existing is not None:
        _require_own_incident(actor, existing)
    data.reporter = None
    data.victim = None
    try:
        incident_validate(data)
    except ValidationError as exc:
        raise ValidationError(
            {
                _LOCATION_ERRORS.get(name, name): messages
                for name, messages in exc.message_dict.items()
            }
        ) from exc
    people = {"known": known, "created": created, "new_people": new_people}
    data.reporter = _import_person(
        actor=actor,
        details=None if data.anonymous else item.reporter,
        previous=existing.reporter if existing else None,
        role="reporter",
        **people,
    )
    if item.victim_is_reporter:
        data.victim = data.reporter
    else:
        data.victim = _import_person(
            actor=actor,
            details=item.victim,
            previous=existing.victim if existing else None,
            role="victim",
            **people,
        )
    return _incident_values(data, _import_location(data.location, authorities))


@dataclass
class _ImportBatch:
    """New incidents from one import, written together: their new people first, then the
    incidents in one statement, their audit events in another, and one signal for them all."""

    actor: User
    organisation: Organisation
    people: list[Person] = field(default_factory=list)
    incidents: dict[int, Incident] = field(default_factory=dict)  # by the item's index

    refs: set[str] = field(default_factory=set)

    def add(self, index: int, values: dict[str, Any], external_ref: str) -> None:
        self.refs.add(external_ref)
        self.incidents[index] = Incident(
            reported_to=self.organisation,
            recorded_by=self.actor,
            external_ref=external_ref,
            **values,
        )

    def write(self) -> dict[int, Incident | None]:
        """Save the batch; returns each index's incident (None where another request recorded
        the same reference meanwhile)."""
        victim_services.people_create(actor=self.actor, people=self.people)
        written: dict[int, Incident | None] = dict(self.incidents)
        try:
            with transaction.atomic():
                Incident.objects.bulk_create(list(self.incidents.values()), batch_size=500)
        except IntegrityError:  # a reference taken meanwhile: find which, one at a time
            for index, incident in self.incidents.items():
                try:
                    with transaction.atomic():
                        incident.save(force_insert=True)
                except IntegrityError:
                    written[index] = None
        saved = [incident for incident in written.values() if incident is not None]
        audit_record_many(
            [
                audit_event(
                    actor=self.actor,
                    verb=Verb.CREATED,
                    action="incident_record",
                    target=incident,
                    detail={
                        "incident_type": incident.incident_type.code,
                        "external_ref": incident.external_ref,
                    },
                )
                for incident in saved
            ]
        )
        if saved:
            incidents_recorded.send(
                sender=Incident, incident_ids=[incident.pk for incident in saved]
            )
        self.people, self.incidents, self.refs = [], {}, set()
        return written


def incidents_import(*, actor: User, items: list[IncidentImport]) -> list[ImportResult]:
    """Record incidents a partner system sends, or update those it sent before (the same
    `external_ref`), reporting each one's outcome. An item with errors is reported and loses
    nothing of the others: new incidents are checked first and written together; an update is
    written in its own savepoint. The people's repeat and vulnerable statuses are refreshed
    once for the whole batch."""
    _require_perm(actor, "asb_cases.add_incident")
    organisation = _organisation(actor)
    refs = {item.data.external_ref.strip() for item in items} - {""}
    results: dict[int, ImportResult] = {}
    with transaction.atomic():
        existing = {
            incident.external_ref: incident
            # "<> ''" as well: the partial unique index on (reported_to, external_ref) serves a
            # long IN list only when the query repeats its condition.
            for incident in Incident.objects.filter(reported_to=organisation, external_ref__in=refs)
            .exclude(external_ref="")
            .select_related("reporter", "victim", "incident_type")
        }
        known = victim_selectors.people_strong_matches(
            people=[
                (details.given_name, details.family_name, details.date_of_birth)
                for item in items
                for details in (item.reporter, item.victim)
                if details is not None
            ]
        )
        authorities = {authority.code: authority for authority in LocalAuthority.objects.all()}
        batch = _ImportBatch(actor=actor, organisation=organisation)
        victims: set[int] = set()

        def write_batch() -> None:
            for index, incident in batch.write().items():
                ref = items[index].data.external_ref.strip()
                if incident is None:
                    results[index] = ImportResult(ref, IMPORT_ERROR, errors=_REF_TAKEN)
                    continue
                existing[ref] = incident
                victims.update({incident.victim_id} - {None})
                results[index] = ImportResult(ref, IMPORT_CREATED, incident=incident)

        for index, item in enumerate(items):
            ref = item.data.external_ref.strip()
            if not ref:
                results[index] = ImportResult(
                    ref, IMPORT_ERROR, errors={"external_ref": ["Enter your reference"]}
                )
                continue
            previous = existing.get(ref)
            # An update is written on its own, after the new incidents before it (the same
            # reference sent twice in one batch: the second is an update of the first).
            if batch.incidents and (previous is not None or ref in batch.refs):
                write_batch()
                previous = existing.get(ref)
            created: dict = {}
            new_people: list[Person] = []
            try:
                if previous is None:
                    values = _import_values(
                        actor=actor,
                        item=item,
                        existing=None,
                        known=known,
                        created=created,
                        new_people=new_people,
                        authorities=authorities,
                    )
                    batch.people += new_people
                    batch.add(index, values, ref)
                    known.update(created)
                    continue
                with transaction.atomic():
                    values = _import_values(
                        actor=actor,
                        item=item,
                        existing=previous,
                        known=known,
                        created=created,
                        new_people=new_people,
                        authorities=authorities,
                    )
                    victim_services.people_create(actor=actor, people=new_people)
                    victims_before = {previous.victim_id}
                    diff = _incident_apply_update(actor=actor, incident=previous, values=values)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {}
                results[index] = ImportResult(
                    ref, IMPORT_ERROR, errors=errors or {"non_field_errors": exc.messages}
                )
                continue
            except PermissionDenied:
                results[index] = ImportResult(ref, IMPORT_ERROR, errors=_ROLE_CANNOT_CHANGE)
                continue
            except IntegrityError:
                results[index] = ImportResult(ref, IMPORT_ERROR, errors=_REF_TAKEN)
                continue
            known.update(created)
            if diff:
                victims.update((victims_before | {previous.victim_id}) - {None})
            results[index] = ImportResult(
                ref, IMPORT_UPDATED, incident=previous, changed=sorted(diff)
            )
        write_batch()
        if victims:
            victim_services.person_statuses_refresh(person_ids=sorted(victims))
    return [results[index] for index in range(len(items))]


_REF_TAKEN = {"external_ref": ["Another request recorded this reference: retry"]}
_ROLE_CANNOT_CHANGE = {"external_ref": ["Your role cannot change incidents"]}
