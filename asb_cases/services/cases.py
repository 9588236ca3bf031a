"""Cases: opening, details, status, and what is added to them: incidents, people,
locations, notes, actions (with their statutory clocks) and tasks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access import grants, redaction, rules
from access.rules import CaseAccess
from access.viewer import viewer_for
from asb_cases import signals
from asb_cases.models import (
    ActionType,
    Case,
    CaseAction,
    CaseIncident,
    CaseLocation,
    CaseNote,
    CasePerson,
    CaseReferenceCounter,
    CaseStatus,
    CaseStatusChange,
    CaseTask,
    Incident,
    IncidentType,
    PersonRole,
)
from asb_cases.services._common import (
    CLOCK_SKEW,
    CaseConflict,
    LocationInput,
    Verb,
    _organisation,
    _require_case,
    _require_perm,
    _snapshot,
    _touch,
    resolve_location,
)
from asb_cases.services.contact_due import victims_contact_due_refresh
from asb_cases.services.powers import GateInput, action_gate_errors, action_gate_record
from asb_cases.signals import case_assigned, case_incidents_linked, note_added, task_assigned
from partners.audit import audit_record, changes_between
from partners.models import Organisation, User
from partners.postcodes import is_valid_postcode
from victims import services as victim_services
from victims.models import Person


def _next_reference(year: int) -> str:
    counter, _ = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return f"ASB-{year}-{counter.last_number:06d}"


def case_refresh_search_document(case: Case) -> None:
    """Rebuild the lower-cased text the case search looks in: reference, title, addresses and
    postcodes (with and without their space) — what every agency on the case sees. People's
    names are not in it: a name is searched through the details the searcher may see
    (asb_cases.selectors.case_list_for_viewer)."""
    parts = [case.reference, case.title]
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
    """Open a case led by the actor's organisation, optionally from incidents it may put on a
    case (access.rules.incidents_linkable: reported to it, or on a case it leads)."""
    _require_perm(actor, "asb_cases.add_case")
    _require_linkable(actor, incidents)
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
    granted = grants.case_permissions_sync(case)
    if location_fields:
        CaseLocation.objects.create(case=case, added_by=actor, added_at=now, **location_fields)
    for incident in incidents:
        _link_incident(actor=actor, case=case, incident=incident, now=now)
    victims_contact_due_refresh(case_ids=[case.pk])
    case_refresh_search_document(case)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="case_open",
        target=case,
        detail={
            "reference": case.reference,
            "incidents": [str(i.uuid) for i in incidents],
            "permissions": granted,
        },
    )
    if lead_officer is not None and lead_officer != actor:
        case_assigned.send(sender=Case, case=case, officer=lead_officer, actor=actor)
    return case


DETAIL_FIELDS = ["title", "summary", "incident_type", "risk_band", "lead_officer"]


@transaction.atomic
def case_update_details(*, actor: User, case: Case, expected_version: int, **changes: Any) -> Case:
    """Change a case's details. Refused with CaseConflict if it changed since `expected_version`."""
    _require_case(actor, case, rules.CHANGE)
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
    if {"risk_band", "lead_officer"} & diff.keys():
        victims_contact_due_refresh(case_ids=[case.pk])
    if "lead_officer" in diff and case.lead_officer is not None and case.lead_officer != actor:
        case_assigned.send(sender=Case, case=case, officer=case.lead_officer, actor=actor)
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
    _require_case(actor, case, rules.CHANGE)
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
    victims_contact_due_refresh(case_ids=[case.pk])
    if status == CaseStatus.CLOSED:
        signals.case_closed.send(sender=Case, case_id=case.pk)
    return case


def _require_linkable(actor: User, incidents) -> None:
    """Incidents the actor's organisation may put on a case: never one it sees only because
    another agency shared a case with it (that would pass the other agency's record on)."""
    ids = {incident.pk for incident in incidents}
    if ids and rules.incidents_linkable(viewer_for(actor)).filter(pk__in=ids).count() < len(ids):
        raise PermissionDenied(
            "A case can take only incidents reported to your organisation or on cases it leads"
        )


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
        # The link shows the case's agencies the record of the organisation that put the person
        # on the case (access.rules.person_details, docs/adr/0013): the one linking the
        # incident. That is the organisation it was reported to, unless a lead reuses another
        # agency's incident from one of its cases, whose record must not follow it to the
        # partners of this one.
        CasePerson.objects.get_or_create(
            case=case,
            person=person,
            role=role,
            defaults={
                "organisation_id": _organisation(actor).pk,
                "added_by": actor,
                "added_at": now,
            },
        )
    case_incidents_linked.send(sender=Case, case=case, incident_ids=[incident.pk])
    return True


@transaction.atomic
def case_link_incident(*, actor: User, case: Case, incident: Incident) -> bool:
    """Link an incident the actor's organisation may put on a case to a case it can
    contribute to."""
    _require_case(actor, case, rules.CONTRIBUTE)
    _require_linkable(actor, [incident])
    linked = _link_incident(actor=actor, case=case, incident=incident, now=timezone.now())
    if linked:
        victims_contact_due_refresh(case_ids=[case.pk])
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
    _require_case(actor, case, rules.CONTRIBUTE)
    if role not in PersonRole.values:
        raise ValidationError({"role": "Select the person's role in the case"})
    link, created = CasePerson.objects.get_or_create(
        case=case,
        person=person,
        role=role,
        defaults={
            "organisation": _organisation(actor),
            "added_by": actor,
            "added_at": timezone.now(),
        },
    )
    if not created:
        raise ValidationError(
            {"role": f"The person is already on this case as {link.get_role_display()}"}
        )
    if role == PersonRole.VICTIM:
        victims_contact_due_refresh(case_ids=[case.pk])
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
    _require_case(actor, case, rules.CONTRIBUTE)
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
    _require_case(actor, case, rules.CONTRIBUTE)
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
    note_added.send(sender=CaseNote, note=note)
    return note


def _age_on(born: dt.date | None, day: dt.date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _date_of_birth(actor: User, person: Person | None) -> dt.date | None:
    """The person's date of birth as the actor's organisation knows it (its own record, or one
    a share showed it): the only one it may act on."""
    if person is None:
        return None
    return redaction.person_view(viewer_for(actor), person).date_of_birth


def action_clocks(
    action_type: ActionType,
    started_at: dt.datetime,
    date_of_birth: dt.date | None = None,
    notice_hours: int | None = None,
) -> dict[str, Any]:
    """The statutory clocks of an action, from the limits its type keeps as data (a shorter
    limit where the person it is against was under 18)."""
    start_day = timezone.localtime(started_at).date()
    age = _age_on(date_of_birth, start_day)
    clocks: dict[str, Any] = {"expires_at": None, "review_on": None, "appeal_by": None}
    days = action_type.duration_days
    if age is not None and age < 18 and action_type.duration_days_under_18:
        days = action_type.duration_days_under_18
    hours = notice_hours or action_type.duration_hours
    if hours:
        clocks["expires_at"] = started_at + dt.timedelta(hours=hours)
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
    gates: GateInput | None = None,
) -> CaseAction:
    """Record a tool or power used by the actor's organisation, with its clocks, once it passes
    the gates of its rule in force (asb_cases.services.powers)."""
    _require_case(actor, case, rules.CONTRIBUTE)
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
    born = _date_of_birth(actor, subject)
    age = _age_on(born, timezone.localtime(started_at).date())
    if action_type.minimum_age and age is not None and age < action_type.minimum_age:
        errors["subject"] = (
            f"A {action_type.name.lower()} can only be used against someone aged "
            f"{action_type.minimum_age} or over; they were {age}"
        )
    if (
        subject is not None
        and not case.person_links.filter(person=subject, role=PersonRole.PERPETRATOR).exists()
    ):
        errors["subject"] = "The person must be an alleged perpetrator on the case"
    if cost_pounds < 0:
        errors["cost_pounds"] = "The cost cannot be negative"
    if officer.membership.organisation_id != organisation.pk:
        errors["officer"] = f"The officer must work for {organisation}"
    gates = gates or GateInput()
    rule, gate_errors = action_gate_errors(
        action_type=action_type,
        case=case,
        started_at=started_at,
        subject=subject,
        age=age,
        gates=gates,
    )
    errors = {**gate_errors, **errors}
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
        **action_clocks(action_type, started_at, born, gates.notice_hours),
    )
    if rule is not None:
        action_gate_record(action=action, rule=rule, gates=gates)
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
    _require_case(actor, case, rules.CONTRIBUTE)
    errors = {}
    if not title.strip():
        errors["title"] = "Enter what needs doing"
    if due_on < timezone.localdate():
        errors["due_on"] = "The due date must be today or in the future"
    assignee_org = getattr(getattr(assignee, "membership", None), "organisation", None)
    if (
        assignee_org is None
        or not assignee.is_active
        or not CaseAccess.of(viewer_for(assignee), case).can_contribute
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
    if assignee != actor:
        task_assigned.send(sender=CaseTask, task=task, actor=actor)
    return task


@transaction.atomic
def case_task_complete(*, actor: User, task: CaseTask) -> CaseTask:
    _require_case(actor, task.case, rules.CONTRIBUTE)
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
