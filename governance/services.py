"""Retention and disposal: finding what is due, the owner's review, legal holds, and disposal
itself (docs/adr/0016-retention-and-disposal.md).

The nightly run (`retention_run`, a Celery beat job) does four things in order, each safe to
repeat and to interrupt:

1. prunes operational rows (completed outbox work, expired sessions, old notifications),
   which no person reviews;
2. counts audit events past their period (the audit log is append-only: its old partitions
   are dropped by the database owner, never by the application);
3. puts every record that has become due on its owning organisation's review queue (one
   `DisposalItem` per record, ever: a second run finds nothing new);
4. disposes of every approved item, one per transaction: the record, the item's status and
   the audit event commit together, under a row lock, so a run killed halfway resumes
   where it stopped and never disposes of anything twice.

Disposal anonymises case records (the statistics keep their counts) and deletes an
organisation's record of a person once it holds nothing else about them; the person
themselves goes only when no agency holds anything about them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from asb_cases.models import (
    Case,
    CaseAction,
    CaseIncident,
    CaseLocation,
    CaseNote,
    CasePerson,
    CaseShare,
    CaseStatus,
    CaseStatusChange,
    CaseTask,
    ContactLog,
    ImpactStatement,
    Incident,
    RiskAssessment,
    SupportReferral,
)
from community_trigger.models import (
    Appeal,
    Application,
    ApplicationStatement,
    ResolutionMeeting,
    Stage,
)
from documents.models import Document
from governance.models import (
    OPERATIONAL,
    DisposalItem,
    DisposalRun,
    LegalHold,
    RecordType,
    RetentionPolicy,
)
from partners.audit import SystemActor, audit_record
from partners.models import (
    AuditEvent,
    Notification,
    Organisation,
    OutboxTask,
    User,
    UserSession,
)
from victims.models import Person, PersonDetails

logger = logging.getLogger(__name__)
RETENTION = SystemActor("retention")
Verb = AuditEvent.Verb
Status = DisposalItem.Status
Action = RetentionPolicy.Action

# What an anonymised record says in place of what was there.
DISPOSED_TEXT = "[disposed under the retention policy]"
# Items disposed of per batch (each in its own transaction), and the queue's insert batch.
BATCH = 500
FINISHED_STAGES = (Stage.NOT_MET, Stage.COMPLETED, Stage.WITHDRAWN)


# Policies --------------------------------------------------------------------------------------


def policies_for(record_type: str) -> tuple[RetentionPolicy | None, dict]:
    """The partnership's default for a record type and each organisation's own policy."""
    default = None
    own = {}
    for policy in RetentionPolicy.objects.filter(record_type=record_type):
        if policy.organisation_id is None:
            default = policy
        else:
            own[policy.organisation_id] = policy
    return default, own


def policy_set(
    *,
    actor: User,
    organisation: Organisation | None,
    record_type: str,
    keep_days: int,
    action: str,
    requires_review: bool = True,
    basis: str = "",
) -> RetentionPolicy:
    """Set one organisation's (or the partnership's) period for a kind of record."""
    if record_type == RecordType.AUDIT_EVENT and action != Action.REPORT:
        raise ValidationError({"action": "Audit events are append-only: report them only."})
    with transaction.atomic():
        policy, created = RetentionPolicy.objects.select_for_update().get_or_create(
            organisation=organisation,
            record_type=record_type,
            defaults={"keep_days": keep_days, "action": action},
        )
        before = {"keep_days": policy.keep_days, "action": policy.action}
        policy.keep_days, policy.action = keep_days, action
        policy.requires_review, policy.basis, policy.updated_by = requires_review, basis, actor
        policy.full_clean()
        policy.save()
        audit_record(
            actor=actor,
            verb=Verb.CREATED if created else Verb.CHANGED,
            action="retention_policy_set",
            target=policy,
            detail={"record_type": record_type, "before": before, "keep_days": keep_days},
        )
    return policy


# Legal holds -----------------------------------------------------------------------------------


def legal_hold_place(
    *, actor: User, organisation: Organisation, scope: str, target_id: int, reason: str
) -> LegalHold:
    """Stop disposal of a record (or everything about a person) until the hold is released.
    Items already on the queue for it are marked held at once."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the records must be kept"})
    with transaction.atomic():
        hold = LegalHold.objects.create(
            organisation=organisation,
            scope=scope,
            target_id=target_id,
            reason=reason.strip(),
            placed_by=actor,
            placed_at=timezone.now(),
        )
        held = _items_under_hold(hold).filter(status__in=[Status.PENDING, Status.APPROVED])
        count = held.update(status=Status.HELD, decided_by=actor, decided_at=timezone.now())
        audit_record(
            actor=actor,
            verb=Verb.CREATED,
            action="legal_hold_place",
            target=hold,
            detail={"scope": scope, "target_id": target_id, "items_held": count},
        )
    return hold


def legal_hold_release(*, actor: User, hold: LegalHold) -> LegalHold:
    """Release a hold: its items go back on the review queue (not straight to disposal)."""
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            return hold
        hold.released_at, hold.released_by = timezone.now(), actor
        hold.save(update_fields=["released_at", "released_by"])
        released = [
            item.pk
            for item in _items_under_hold(hold).filter(status=Status.HELD)
            if not is_held(item)
        ]
        DisposalItem.objects.filter(pk__in=released).update(status=Status.PENDING)
        audit_record(
            actor=actor,
            verb=Verb.CHANGED,
            action="legal_hold_release",
            target=hold,
            detail={"items_back_on_queue": len(released)},
        )
    return hold


def _items_under_hold(hold: LegalHold):
    items = DisposalItem.objects.filter(organisation_id=hold.organisation_id)
    if hold.scope == LegalHold.Scope.CASE:
        return items.filter(record_type=RecordType.CLOSED_CASE, record_id=hold.target_id)
    if hold.scope == LegalHold.Scope.INCIDENT:
        return items.filter(record_type=RecordType.INCIDENT, record_id=hold.target_id)
    ids = _person_record_ids(hold.target_id)
    return items.filter(
        Q(record_type=RecordType.CLOSED_CASE, record_id__in=ids["cases"])
        | Q(record_type=RecordType.INCIDENT, record_id__in=ids["incidents"])
        | Q(record_type=RecordType.APPLICATION, record_id__in=ids["applications"])
        | Q(record_type=RecordType.PERSON_DETAILS, record_id__in=ids["details"])
    )


def _person_record_ids(person_id: int) -> dict[str, list[int]]:
    group = list(
        Person.objects.filter(Q(pk=person_id) | Q(merged_into_id=person_id)).values_list(
            "pk", flat=True
        )
    )
    return {
        "cases": list(
            CasePerson.objects.filter(person_id__in=group).values_list("case_id", flat=True)
        ),
        "incidents": list(
            Incident.objects.filter(Q(victim_id__in=group) | Q(reporter_id__in=group)).values_list(
                "pk", flat=True
            )
        ),
        "applications": list(
            Application.objects.filter(victim_id__in=group).values_list("pk", flat=True)
        ),
        "details": list(
            PersonDetails.objects.filter(person_id__in=group).values_list("pk", flat=True)
        ),
    }


def is_held(item: DisposalItem) -> bool:
    """Whether any active legal hold of the item's organisation covers its record."""
    holds = LegalHold.objects.filter(organisation_id=item.organisation_id, released_at__isnull=True)
    if not holds.exists():
        return False
    record_type, pk = item.record_type, item.record_id
    if record_type == RecordType.CLOSED_CASE:
        people = CasePerson.objects.filter(case_id=pk).values("person_id")
        return holds.filter(
            Q(scope=LegalHold.Scope.CASE, target_id=pk)
            | Q(scope=LegalHold.Scope.PERSON, target_id__in=people)
        ).exists()
    if record_type == RecordType.INCIDENT:
        people = Incident.objects.filter(pk=pk).values_list("victim_id", "reporter_id")
        people = {p for pair in people for p in pair if p}
        return holds.filter(
            Q(scope=LegalHold.Scope.INCIDENT, target_id=pk)
            | Q(scope=LegalHold.Scope.PERSON, target_id__in=_with_merged(people))
        ).exists()
    if record_type == RecordType.APPLICATION:
        people = {
            p for p in Application.objects.filter(pk=pk).values_list("victim_id", flat=True) if p
        }
        return holds.filter(
            scope=LegalHold.Scope.PERSON, target_id__in=_with_merged(people)
        ).exists()
    if record_type == RecordType.PERSON_DETAILS:
        people = set(PersonDetails.objects.filter(pk=pk).values_list("person_id", flat=True))
        return holds.filter(
            scope=LegalHold.Scope.PERSON, target_id__in=_with_merged(people)
        ).exists()
    return False


def _with_merged(people: Iterable[int]) -> set[int]:
    """The people, and the records they were merged into (a hold names the surviving one)."""
    people = set(people)
    survivors = Person.objects.filter(pk__in=people, merged_into__isnull=False).values_list(
        "merged_into_id", flat=True
    )
    return people | set(survivors)


# The review queue -------------------------------------------------------------------------------


def queue_decide(
    *, actor: User, organisation: Organisation, item_ids: list[int], approve: bool
) -> int:
    """The owning organisation's admin approves items for disposal (or keeps them, which
    takes them off the queue for good). Items of other organisations are not touched."""
    with transaction.atomic():
        items = DisposalItem.objects.select_for_update().filter(
            organisation=organisation, pk__in=item_ids, status=Status.PENDING
        )
        chosen = list(items)
        held = [item.pk for item in chosen if is_held(item)]
        decided = [item.pk for item in chosen if item.pk not in held]
        now = timezone.now()
        DisposalItem.objects.filter(pk__in=held).update(
            status=Status.HELD, decided_by=actor, decided_at=now
        )
        DisposalItem.objects.filter(pk__in=decided).update(
            status=Status.APPROVED if approve else Status.KEPT, decided_by=actor, decided_at=now
        )
        audit_record(
            actor=actor,
            verb=Verb.CHANGED,
            action="retention_review_approve" if approve else "retention_review_keep",
            target_type="governance.disposalitem",
            detail={"items": decided, "held": held},
        )
        if approve and decided:
            from partners.outbox import outbox_enqueue

            outbox_enqueue(task_name="governance.disposals_run", kwargs={})
    return len(decided)


@dataclass
class Due:
    """A record found due: whose it is, what to call it and since when."""

    organisation_id: object
    record_id: int
    label: str
    due_on: dt.date


def _undealt(record_type: str):
    """Records not yet on any queue (each record gets one item, ever)."""
    return ~Exists(DisposalItem.objects.filter(record_type=record_type, record_id=OuterRef("pk")))


def _cutoff(policy: RetentionPolicy, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=policy.keep_days)


def _by_policy(record_type: str, owner_field: str, now: dt.datetime, date_field: str, base):
    """Yield (policy, queryset) per organisation with its own policy, then the default for
    every other organisation: rows of `base` whose `date_field` is past the period."""
    default, own = policies_for(record_type)
    for organisation_id, policy in own.items():
        yield (
            policy,
            base.filter(
                **{owner_field: organisation_id, f"{date_field}__lt": _cutoff(policy, now)}
            ),
        )
    if default is not None:
        yield (
            default,
            base.exclude(**{f"{owner_field}__in": list(own)}).filter(
                **{f"{date_field}__lt": _cutoff(default, now)}
            ),
        )


def due_closed_cases(now: dt.datetime):
    base = Case.objects.filter(status=CaseStatus.CLOSED).filter(_undealt(RecordType.CLOSED_CASE))
    for policy, rows in _by_policy(
        RecordType.CLOSED_CASE, "lead_organisation_id", now, "closed_at", base
    ):
        for pk, org, reference, closed_at in rows.values_list(
            "pk", "lead_organisation_id", "reference", "closed_at"
        ).iterator(chunk_size=2000):
            yield (
                policy,
                Due(
                    org,
                    pk,
                    f"Case {reference}, closed {closed_at:%d %b %Y}",
                    (closed_at + dt.timedelta(days=policy.keep_days)).date(),
                ),
            )


def _on_live_case():
    """The incident is on a case not yet disposed of: the case's owner still relies on it."""
    return Exists(
        CaseIncident.objects.filter(incident_id=OuterRef("pk")).exclude(
            Exists(
                DisposalItem.objects.filter(
                    record_type=RecordType.CLOSED_CASE,
                    record_id=OuterRef("case_id"),
                    status=Status.DISPOSED,
                )
            )
        )
    )


def due_incidents(now: dt.datetime):
    base = Incident.objects.filter(_undealt(RecordType.INCIDENT)).exclude(_on_live_case())
    for policy, rows in _by_policy(RecordType.INCIDENT, "reported_to_id", now, "occurred_at", base):
        for pk, org, type_name, occurred_at in rows.values_list(
            "pk", "reported_to_id", "incident_type__name", "occurred_at"
        ).iterator(chunk_size=2000):
            yield (
                policy,
                Due(
                    org,
                    pk,
                    f"Incident {pk} ({type_name}), {occurred_at:%d %b %Y}",
                    (occurred_at + dt.timedelta(days=policy.keep_days)).date(),
                ),
            )


def _application_owner() -> Organisation | None:
    """A public application belongs to the office that runs Case Reviews (the PCC's)."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.PCC_OFFICE, active=True)
        .order_by("name")
        .first()
    )


def due_applications(now: dt.datetime):
    office = _application_owner()
    base = Application.objects.filter(stage__in=FINISHED_STAGES).filter(
        _undealt(RecordType.APPLICATION)
    )
    if office is None:
        base = base.filter(recorded_by_organisation__isnull=False)
    default, own = policies_for(RecordType.APPLICATION)
    rows = base.values_list("pk", "recorded_by_organisation_id", "reference", "received_at")
    for pk, org, reference, received_at in rows.iterator(chunk_size=2000):
        org = org or office.pk
        policy = own.get(org, default)
        if policy is None or received_at >= _cutoff(policy, now):
            continue
        yield (
            policy,
            Due(
                org,
                pk,
                f"Case Review application {reference}, received {received_at:%d %b %Y}",
                (received_at + dt.timedelta(days=policy.keep_days)).date(),
            ),
        )


def _holds_anything_else(
    organisation_outer: str = "organisation_id", person_outer: str = "person_id"
):
    """The organisation of the outer PersonDetails still holds a record about its person:
    an incident reported to it, a case it leads or put them on, a support record, an
    application it recorded. Anonymised records no longer name anyone, so they do not count."""
    org, person = OuterRef(organisation_outer), OuterRef(person_outer)
    return (
        Exists(
            Incident.objects.filter(reported_to_id=org).filter(
                Q(victim_id=person) | Q(reporter_id=person)
            )
        )
        | Exists(
            CasePerson.objects.filter(person_id=person).filter(
                Q(organisation_id=org) | Q(case__lead_organisation_id=org)
            )
        )
        | Exists(RiskAssessment.objects.filter(person_id=person, organisation_id=org))
        | Exists(ContactLog.objects.filter(person_id=person, organisation_id=org))
        | Exists(SupportReferral.objects.filter(person_id=person, organisation_id=org))
        | Exists(ImpactStatement.objects.filter(person_id=person, organisation_id=org))
        | Exists(CaseAction.objects.filter(subject_id=person, organisation_id=org))
        | Exists(Application.objects.filter(victim_id=person, recorded_by_organisation_id=org))
    )


def due_person_details(now: dt.datetime):
    base = (
        PersonDetails.objects.filter(_undealt(RecordType.PERSON_DETAILS))
        .exclude(_holds_anything_else())
        .exclude(person__merged_people__isnull=False)
    )
    for policy, rows in _by_policy(
        RecordType.PERSON_DETAILS, "organisation_id", now, "updated_at", base
    ):
        for pk, org, person_uuid, updated_at in rows.values_list(
            "pk", "organisation_id", "person__uuid", "updated_at"
        ).iterator(chunk_size=2000):
            yield (
                policy,
                Due(
                    org,
                    pk,
                    f"Record of person {str(person_uuid)[:8]}, last changed {updated_at:%d %b %Y}",
                    (updated_at + dt.timedelta(days=policy.keep_days)).date(),
                ),
            )


FINDERS = {
    RecordType.CLOSED_CASE: due_closed_cases,
    RecordType.INCIDENT: due_incidents,
    RecordType.APPLICATION: due_applications,
    RecordType.PERSON_DETAILS: due_person_details,
}


def queue_due(
    *, run: DisposalRun, now: dt.datetime, record_types: Iterable[str] | None = None
) -> dict[str, int]:
    """Put every record that has become due on its owner's queue. Records already on it are
    skipped by the finders, and a race with another run by the unique constraint."""
    found: dict[str, int] = {}
    for record_type, finder in FINDERS.items():
        if record_types is not None and record_type not in record_types:
            continue
        batch: list[DisposalItem] = []
        count = 0
        for policy, due in finder(now):
            count += 1
            auto = not policy.requires_review
            batch.append(
                DisposalItem(
                    organisation_id=due.organisation_id,
                    record_type=record_type,
                    record_id=due.record_id,
                    label=due.label[:200],
                    due_on=due.due_on,
                    action=policy.action,
                    status=Status.APPROVED if auto else Status.PENDING,
                    found_by=run,
                )
            )
            if len(batch) >= BATCH:
                DisposalItem.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        DisposalItem.objects.bulk_create(batch, ignore_conflicts=True)
        found[record_type] = count
    return found


# Disposal ---------------------------------------------------------------------------------------


def _anonymise_incidents(incident_ids: list[int]) -> int:
    """Keep what statistics count (when, what type, where by area, which agency, hate flag and
    characteristic, the channel); remove who and the exact place, and what was said."""
    return Incident.objects.filter(pk__in=incident_ids).update(
        description=DISPOSED_TEXT,
        victim=None,
        reporter=None,
        recorded_by=None,
        address="",
        postcode="",
        uprn="",
        latitude=None,
        longitude=None,
        external_ref="",
        updated_at=timezone.now(),
    )


def _dispose_case(case_id: int) -> dict:
    case = Case.objects.select_for_update().get(pk=case_id)
    people = list(CasePerson.objects.filter(case=case).values_list("person_id", flat=True))
    removed = {
        "notes": CaseNote.objects.filter(case=case).delete()[0],
        "tasks": CaseTask.objects.filter(case=case).delete()[0],
        "locations": CaseLocation.objects.filter(case=case).delete()[0],
        "risk_assessments": _delete_assessments(case),
        "contacts": ContactLog.objects.filter(case=case).delete()[0],
        "referrals": SupportReferral.objects.filter(case=case).delete()[0],
        "statements": ImpactStatement.objects.filter(case=case).delete()[0],
        "people": CasePerson.objects.filter(case=case).delete()[0],
    }
    CaseAction.objects.filter(case=case).update(notes="", subject=None)
    CaseStatusChange.objects.filter(case=case).update(note="")
    CaseShare.objects.filter(case=case).update(purpose=DISPOSED_TEXT, revoke_reason="")
    # The lead's own incidents on the case go with it, unless another live case holds them.
    own_incidents = list(
        Incident.objects.filter(case_links__case=case, reported_to_id=case.lead_organisation_id)
        .exclude(
            Exists(
                CaseIncident.objects.filter(incident_id=OuterRef("pk"))
                .exclude(case_id=case.pk)
                .exclude(
                    Exists(
                        DisposalItem.objects.filter(
                            record_type=RecordType.CLOSED_CASE,
                            record_id=OuterRef("case_id"),
                            status=Status.DISPOSED,
                        )
                    )
                )
            )
        )
        .values_list("pk", flat=True)
    )
    # An incident the lead holds on its own (or a held person's) waits for its own turn.
    own_incidents = [
        pk
        for pk in own_incidents
        if not is_held(
            DisposalItem(
                organisation_id=case.lead_organisation_id,
                record_type=RecordType.INCIDENT,
                record_id=pk,
            )
        )
    ]
    removed["documents"] = _documents_remove(
        Document.objects.filter(Q(case=case) | Q(incident_id__in=own_incidents))
    )
    removed["incidents_anonymised"] = _anonymise_incidents(own_incidents)
    # Disposed with the case: never found due again on their own.
    DisposalItem.objects.bulk_create(
        [
            DisposalItem(
                organisation_id=case.lead_organisation_id,
                record_type=RecordType.INCIDENT,
                record_id=pk,
                label=f"Incident {pk}, disposed with case {case.reference}",
                due_on=timezone.localdate(),
                action=Action.ANONYMISE,
                status=Status.DISPOSED,
                disposed_at=timezone.now(),
            )
            for pk in own_incidents
        ],
        ignore_conflicts=True,
    )
    Case.objects.filter(pk=case.pk).update(
        title="Disposed case",
        summary="",
        search_document="",
        lead_officer=None,
        created_by=None,
        version=F("version") + 1,
    )
    removed["people_on_case"] = len(people)
    return removed


def _documents_remove(documents: models.QuerySet[Document]) -> int:
    """Delete the documents' rows (letters go with theirs) now, and their files from storage
    once the disposal's transaction commits: a rollback keeps both."""
    storage = Document._meta.get_field("file").storage
    names = [name for name in documents.values_list("file", flat=True) if name]
    count = documents.delete()[1].get(Document._meta.label, 0)
    if names:
        transaction.on_commit(lambda: _files_delete(storage, names))
    return count


def _files_delete(storage, names: list[str]) -> None:
    """After commit: the rows are gone, so a file left behind (storage unreachable) is an
    orphan no page can reach; it is logged for the operator rather than retried."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Disposal could not delete a stored file: %s", name)


def _delete_assessments(case: Case) -> int:
    # Reassessments point at the one they supersede: newest first.
    count = 0
    for assessment in RiskAssessment.objects.filter(case=case).order_by("-assessed_at", "-id"):
        RiskAssessment.objects.filter(supersedes=assessment).update(supersedes=None)
        assessment.delete()
        count += 1
    return count


def _dispose_application(application_id: int) -> dict:
    application = Application.objects.select_for_update().get(pk=application_id)
    Application.objects.filter(pk=application.pk).update(
        applicant_name="Disposed",
        applicant_email="",
        applicant_phone="",
        applicant_address="",
        victim_given_name="",
        victim_family_name="",
        victim_date_of_birth=None,
        victim=None,
        problem_address="",
        description=DISPOSED_TEXT,
        victim_plan_comments="",
    )
    statements = ApplicationStatement.objects.filter(application=application).delete()[0]
    documents = _documents_remove(Document.objects.filter(application=application))
    ResolutionMeeting.objects.filter(application=application).update(
        minutes="", independent_chair_name=""
    )
    Appeal.objects.filter(application=application).update(details=DISPOSED_TEXT)
    return {"statements": statements, "documents": documents}


def _dispose_person_details(details_id: int) -> dict:
    details = PersonDetails.objects.select_for_update().filter(pk=details_id).first()
    if details is None:
        return {"details": 0}
    person_id = details.person_id
    details.vulnerability_factors.clear()
    details.delete()
    return {"details": 1, "person_removed": person_remove_if_unneeded(person_id)}


def person_still_needed(person_id: int) -> bool:
    """Whether any agency still holds anything about the person: a record of them, or any
    record that points at them and would stop their deletion (every PROTECT relation)."""
    person = Person.objects.get(pk=person_id)
    if PersonDetails.objects.filter(person_id=person_id).exists():
        return True
    for relation in Person._meta.related_objects:
        if relation.on_delete is not models.PROTECT:
            continue
        if relation.related_model._default_manager.filter(**{relation.field.name: person}).exists():
            return True
    return False


def person_remove_if_unneeded(person_id: int) -> bool:
    """Delete the person (their status and alerts go with them) once nothing needs them."""
    Person.objects.select_for_update().filter(pk=person_id).first()
    if not Person.objects.filter(pk=person_id).exists() or person_still_needed(person_id):
        return False
    Person.objects.filter(pk=person_id).delete()
    audit_record(
        actor=RETENTION,
        verb=Verb.CHANGED,
        action="retention_person_remove",
        target_type="victims.person",
        target_id=str(person_id),
        detail={"outcome": "deleted"},
    )
    return True


def _still_present(item: DisposalItem) -> bool:
    model = {
        RecordType.CLOSED_CASE: Case,
        RecordType.INCIDENT: Incident,
        RecordType.APPLICATION: Application,
        RecordType.PERSON_DETAILS: PersonDetails,
    }[item.record_type]
    return model.objects.filter(pk=item.record_id).exists()


def _dispose(item: DisposalItem) -> dict:
    if item.record_type == RecordType.CLOSED_CASE:
        return _dispose_case(item.record_id)
    if item.record_type == RecordType.INCIDENT:
        Incident.objects.select_for_update().filter(pk=item.record_id).first()
        people = {
            p
            for pair in Incident.objects.filter(pk=item.record_id).values_list(
                "victim_id", "reporter_id"
            )
            for p in pair
            if p
        }
        return {
            "documents": _documents_remove(Document.objects.filter(incident_id=item.record_id)),
            "incidents_anonymised": _anonymise_incidents([item.record_id]),
            "people": len(people),
        }
    if item.record_type == RecordType.APPLICATION:
        return _dispose_application(item.record_id)
    return _dispose_person_details(item.record_id)


def _still_due(item: DisposalItem) -> bool:
    """A case reopened, or an incident put on a live case, since it was queued is no longer
    due: kept."""
    if item.record_type == RecordType.CLOSED_CASE:
        return Case.objects.filter(pk=item.record_id, status=CaseStatus.CLOSED).exists()
    if item.record_type == RecordType.INCIDENT:
        return not Incident.objects.filter(pk=item.record_id).filter(_on_live_case()).exists()
    if item.record_type == RecordType.PERSON_DETAILS:
        return (
            not PersonDetails.objects.filter(pk=item.record_id)
            .filter(_holds_anything_else())
            .exists()
        )
    return True


def disposal_item_dispose(*, item_id: int) -> str:
    """Dispose of one approved item in one transaction with its status and audit event.
    Returns what happened: "disposed", "held", "kept", or "skipped" (someone else has it,
    or it was done already)."""
    with transaction.atomic():
        item = (
            DisposalItem.objects.select_for_update(skip_locked=True)
            .filter(pk=item_id, status=Status.APPROVED)
            .first()
        )
        if item is None:
            return "skipped"
        now = timezone.now()
        if is_held(item):
            item.status = Status.HELD
            item.save(update_fields=["status"])
            return "held"
        if not _still_present(item) or not _still_due(item):
            item.status, item.decided_at = Status.KEPT, now
            item.save(update_fields=["status", "decided_at"])
            return "kept"
        removed = _dispose(item)
        item.status, item.disposed_at = Status.DISPOSED, now
        item.save(update_fields=["status", "disposed_at"])
        audit_record(
            actor=RETENTION,
            verb=Verb.CHANGED,
            action="retention_dispose",
            target_type=_target_type(item.record_type),
            target_id=str(item.record_id),
            organisation=item.organisation,
            detail={
                "record_type": item.record_type,
                "outcome": "deleted"
                if item.record_type == RecordType.PERSON_DETAILS
                else "anonymised",
                "item": item.pk,
                "approved_by": item.decided_by.get_username() if item.decided_by else "policy",
                "removed": removed,
            },
        )
    return "disposed"


def _target_type(record_type: str) -> str:
    return {
        RecordType.CLOSED_CASE: "asb_cases.case",
        RecordType.INCIDENT: "asb_cases.incident",
        RecordType.APPLICATION: "community_trigger.application",
        RecordType.PERSON_DETAILS: "victims.persondetails",
    }[record_type]


# Operational rows and the audit log ----------------------------------------------------------


def prune_operational(*, now: dt.datetime) -> dict[str, dict]:
    """Delete completed outbox work, expired sessions and old notifications, per the
    partnership's policies (no review: no person reads these back)."""
    result = {}
    for record_type in OPERATIONAL:
        policy, _ = policies_for(record_type)
        if policy is None:
            continue
        cutoff = _cutoff(policy, now)
        if record_type == RecordType.OUTBOX:
            rows = OutboxTask.objects.filter(completed_at__lt=cutoff)
        elif record_type == RecordType.SESSION:
            rows = UserSession.objects.filter(expire_date__lt=cutoff)
        else:
            rows = Notification.objects.filter(created_at__lt=cutoff)
        deleted = 0
        while True:  # in batches, so one night's backlog never holds a long lock
            ids = list(rows.values_list("pk", flat=True)[:5000])
            if not ids:
                break
            deleted += rows.model.objects.filter(pk__in=ids).delete()[0]
        result[record_type] = {"deleted": deleted}
    return result


def audit_events_due(*, now: dt.datetime) -> int:
    policy, _ = policies_for(RecordType.AUDIT_EVENT)
    if policy is None:
        return 0
    return AuditEvent.objects.filter(occurred_at__lt=_cutoff(policy, now)).count()


# The run -----------------------------------------------------------------------------------------


@dataclass
class RunResult:
    key: str
    examined: int = 0
    queued: int = 0
    disposed: int = 0
    held: int = 0
    stats: dict = field(default_factory=dict)


def disposals_run(*, limit: int | None = None) -> dict[str, int]:
    """Dispose of every approved item (up to `limit`), oldest first, one per transaction."""
    counts = {"disposed": 0, "held": 0, "kept": 0, "skipped": 0}
    last_id = 0
    while limit is None or counts["disposed"] < limit:
        ids = list(
            DisposalItem.objects.filter(status=Status.APPROVED, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        for item_id in ids:
            counts[disposal_item_dispose(item_id=item_id)] += 1
            if limit is not None and counts["disposed"] >= limit:
                break
        last_id = ids[-1]
    return counts


def held_items_recheck() -> int:
    """Items held by a hold since released go back on the queue."""
    back = [
        item.pk for item in DisposalItem.objects.filter(status=Status.HELD) if not is_held(item)
    ]
    return DisposalItem.objects.filter(pk__in=back).update(status=Status.PENDING)


def retention_run(*, key: str | None = None, now: dt.datetime | None = None) -> RunResult:
    """The nightly run: prune, count, queue, dispose. Running it twice for one key continues
    the first run (what was queued is not queued again; what was disposed is not touched)."""
    now = now or timezone.now()
    key = key or f"nightly-{now:%Y-%m-%d}"
    run, _ = DisposalRun.objects.get_or_create(key=key, defaults={"started_at": now})
    stats = dict(run.stats)
    stats["operational"] = prune_operational(now=now)
    stats["audit_event"] = {"due": audit_events_due(now=now)}
    stats["back_on_queue"] = held_items_recheck()
    found = queue_due(run=run, now=now)
    stats["found"] = found
    counts = disposals_run()
    if counts["disposed"]:
        # What was disposed of may leave organisations holding nothing else about people:
        # their records of them (and the people no agency needs) go in the same run.
        again = queue_due(run=run, now=now, record_types=[RecordType.PERSON_DETAILS])
        found[RecordType.PERSON_DETAILS] += again[RecordType.PERSON_DETAILS]
        counts = Counter(counts) + Counter(disposals_run())
        counts = {name: counts.get(name, 0) for name in ("disposed", "held", "kept", "skipped")}
    stats["disposal"] = counts
    DisposalRun.objects.filter(pk=run.pk).update(
        examined=F("examined") + sum(found.values()),
        queued=DisposalItem.objects.filter(found_by=run).count(),
        disposed=F("disposed") + counts["disposed"],
        held=F("held") + counts["held"],
        stats=stats,
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return RunResult(
        key=run.key,
        examined=run.examined,
        queued=run.queued,
        disposed=run.disposed,
        held=run.held,
        stats=stats,
    )
