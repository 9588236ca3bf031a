"""Retention and disposal on a time-travelled data set: what is due, held, disposed and
anonymised; the statistics unchanged; people removed only once no agency needs them; a run
interrupted halfway resumes without disposing anything twice (docs/adr/0016)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from asb_cases import services as case_services
from asb_cases.models import ActionType, Case, CaseNote, CasePerson, Incident
from governance import services
from governance.models import DisposalItem, DisposalRun, RecordType, RetentionPolicy
from partners.models import AuditEvent, Notification, OutboxTask
from tests.factories import make_case, make_incident, make_person
from victims.models import Person, PersonDetails

Status = DisposalItem.Status
pytestmark = pytest.mark.django_db(transaction=True)


def years_ago(years: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=365.25 * years)


class DataSet:
    """Records made in the past (the clock moved back as each is made)."""

    def __init__(self, cast):
        owner, police = cast.owner, cast.partner
        with time_machine.travel(years_ago(8), tick=False):
            self.victim = make_person(owner.officer, given_name="Robin", family_name="Oldcase")
            self.only_owner = make_person(owner.officer, given_name="Sky", family_name="Lone")
            self.old_incident = make_incident(owner.officer, victim=self.victim, days_ago=1)
            self.old_case = make_case(owner.officer, incidents=[self.old_incident])
            case_services.case_add_person(
                actor=owner.officer, case=self.old_case, person=self.only_owner, role="witness"
            )
            case_services.case_add_note(
                actor=owner.officer,
                case=self.old_case,
                body="Robin Oldcase says the noise is nightly",
                visibility="all_agencies",
            )
            case_services.case_add_action(
                actor=owner.officer,
                case=self.old_case,
                action_type=ActionType.objects.get(code="warning-letter"),
                started_at=timezone.now(),
                cost_pounds=Decimal("35.00"),
                notes="Letter to number 14",
            )
            self.held_case = make_case(owner.officer, title="Held case")
        with time_machine.travel(years_ago(7), tick=False):
            for case in (self.old_case, self.held_case):
                case.refresh_from_db()
                case_services.case_change_status(
                    actor=owner.officer,
                    case=case,
                    status="closed",
                    closure_reason="resolved",
                    expected_version=case.version,
                )
        with time_machine.travel(years_ago(3), tick=False):
            self.loose_incident = make_incident(owner.officer, days_ago=1)
            # The police hold the same victim, and keep their incidents ten years.
            self.police_incident = make_incident(police.officer, victim=self.victim, days_ago=1)
        with time_machine.travel(years_ago(1), tick=False):
            self.recent_incident = make_incident(owner.officer, days_ago=1)
            self.recent_case = make_case(owner.officer, title="Recent case")
            self.recent_case.refresh_from_db()
            case_services.case_change_status(
                actor=owner.officer,
                case=self.recent_case,
                status="closed",
                closure_reason="resolved",
                expected_version=self.recent_case.version,
            )
        services.policy_set(
            actor=police.admin,
            organisation=police.organisation,
            record_type=RecordType.INCIDENT,
            keep_days=3650,
            action="anonymise",
        )
        services.legal_hold_place(
            actor=owner.admin,
            organisation=owner.organisation,
            scope="case",
            target_id=self.held_case.pk,
            reason="Disrepair claim: keep until settled",
        )


def statistics() -> dict:
    """What the dashboards and published figures count, straight from the tables."""
    return {
        "incidents": Counter(
            Incident.objects.values_list(
                "reported_to_id", "incident_type_id", "occurred_at__year", "lsoa_code", "category"
            )
        ),
        "cases": Counter(
            Case.objects.values_list("lead_organisation_id", "status", "incident_type_id")
        ),
        "action_costs": Case.objects.aggregate(total=Sum("actions__cost_pounds"))["total"],
    }


def approve_everything(organisation, admin) -> int:
    ids = list(
        DisposalItem.objects.filter(organisation=organisation, status=Status.PENDING).values_list(
            "pk", flat=True
        )
    )
    return services.queue_decide(actor=admin, organisation=organisation, item_ids=ids, approve=True)


def test_due_records_go_on_the_owners_queue_and_nothing_is_disposed_unreviewed(cast):
    data = DataSet(cast)
    result = services.retention_run(key="first")

    queued = {(item.record_type, item.record_id): item for item in DisposalItem.objects.all()}
    assert (RecordType.CLOSED_CASE, data.old_case.pk) in queued
    assert (RecordType.INCIDENT, data.loose_incident.pk) in queued
    # Held when found: the hold covers it.
    assert queued[(RecordType.CLOSED_CASE, data.held_case.pk)].status == Status.PENDING
    # Not yet due, or still relied on by a case not disposed of, or the police's longer period.
    assert (RecordType.CLOSED_CASE, data.recent_case.pk) not in queued
    assert (RecordType.INCIDENT, data.recent_incident.pk) not in queued
    assert (RecordType.INCIDENT, data.old_incident.pk) not in queued
    assert (RecordType.INCIDENT, data.police_incident.pk) not in queued
    assert {item.organisation_id for item in queued.values()} == {cast.owner.organisation.pk}
    assert all(item.status == Status.PENDING for item in queued.values())
    assert result.disposed == 0
    assert "Robin" not in " ".join(item.label for item in queued.values())

    # A second run on the same night finds nothing new.
    again = services.retention_run(key="first")
    assert DisposalItem.objects.count() == len(queued)
    assert again.key == "first" and DisposalRun.objects.count() == 1


def test_approved_records_are_anonymised_held_ones_kept_and_statistics_unchanged(cast):
    data = DataSet(cast)
    services.retention_run(key="find")
    before = statistics()
    approved = approve_everything(cast.owner.organisation, cast.owner.admin)
    held = DisposalItem.objects.get(record_type=RecordType.CLOSED_CASE, record_id=data.held_case.pk)
    assert held.status == Status.HELD  # the hold stopped its approval
    assert approved == 2

    services.retention_run(key="dispose")

    case = Case.objects.get(pk=data.old_case.pk)
    assert case.title == "Disposed case" and case.summary == "" and case.search_document == ""
    assert case.lead_officer is None and case.status == "closed"
    assert not CaseNote.objects.filter(case=case).exists()
    assert not CasePerson.objects.filter(case=case).exists()
    action = case.actions.get()
    assert action.cost_pounds == Decimal("35.00") and action.notes == ""
    incident = Incident.objects.get(pk=data.old_incident.pk)
    assert incident.victim is None and incident.address == "" and incident.postcode == ""
    assert incident.description == services.DISPOSED_TEXT
    assert Incident.objects.get(pk=data.loose_incident.pk).description == services.DISPOSED_TEXT
    # Kept: held, not due, and another agency's.
    assert Case.objects.get(pk=data.held_case.pk).title == "Held case"
    assert Case.objects.get(pk=data.recent_case.pk).title == "Recent case"
    police_incident = Incident.objects.get(pk=data.police_incident.pk)
    assert police_incident.victim_id == data.victim.pk

    assert statistics() == before

    # The owner's records of both people went once it held nothing else about them; the
    # witness only the owner knew is gone, the victim the police's incident
    # still names is not.
    assert (
        not PersonDetails.objects.filter(organisation=cast.owner.organisation)
        .filter(person__in=[data.victim, data.only_owner])
        .exists()
    )
    assert not Person.objects.filter(pk=data.only_owner.pk).exists()
    assert Person.objects.filter(pk=data.victim.pk).exists()

    disposals = AuditEvent.objects.filter(action="retention_dispose")
    assert {(e.target_type, e.target_id) for e in disposals} >= {
        ("asb_cases.case", str(data.old_case.pk)),
        ("asb_cases.incident", str(data.loose_incident.pk)),
    }
    assert all(e.actor_label == "system:retention" for e in disposals)
    assert AuditEvent.objects.filter(
        action="retention_person_remove", target_id=str(data.only_owner.pk)
    ).exists()


def test_releasing_a_hold_puts_the_record_back_on_the_queue(cast):
    data = DataSet(cast)
    services.retention_run(key="find")
    approve_everything(cast.owner.organisation, cast.owner.admin)
    hold = cast.owner.organisation.legal_holds.get()
    services.legal_hold_release(actor=cast.owner.admin, hold=hold)
    item = DisposalItem.objects.get(record_type=RecordType.CLOSED_CASE, record_id=data.held_case.pk)
    assert item.status == Status.PENDING


def test_a_run_interrupted_halfway_resumes_without_disposing_anything_twice(cast):
    data = DataSet(cast)
    services.retention_run(key="find")
    approve_everything(cast.owner.organisation, cast.owner.admin)

    # The worker dies in the middle of disposing of the case: its transaction rolls back,
    # leaving the whole case (not half of it).
    with (
        mock.patch.object(services, "_anonymise_incidents", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        services.disposals_run()
    case = Case.objects.get(pk=data.old_case.pk)
    assert case.title != "Disposed case"
    assert CaseNote.objects.filter(case=case).exists()
    assert CasePerson.objects.filter(case=case).count() == 2
    assert DisposalItem.objects.filter(status=Status.APPROVED).count() == 2

    # Stopped after one record; the rest follow on the next run, each once.
    assert services.disposals_run(limit=1)["disposed"] == 1
    services.retention_run(key="resume")
    services.retention_run(key="resume")
    counts = Counter(
        AuditEvent.objects.filter(action="retention_dispose").values_list(
            "target_type", "target_id"
        )
    )
    assert counts[("asb_cases.case", str(data.old_case.pk))] == 1
    assert counts[("asb_cases.incident", str(data.loose_incident.pk))] == 1
    assert all(value == 1 for value in counts.values())


def test_operational_rows_are_pruned_by_policy(cast):
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        old_work = OutboxTask.objects.create(task_name="x", completed_at=timezone.now())
        old_note = Notification.objects.create(user=cast.owner.officer, key="old", subject="Old")
    new_work = OutboxTask.objects.create(task_name="x", completed_at=timezone.now())
    pending = OutboxTask.objects.create(task_name="x")
    RetentionPolicy.objects.filter(record_type=RecordType.NOTIFICATION).update(keep_days=20)

    result = services.retention_run(key="prune")

    assert not OutboxTask.objects.filter(pk=old_work.pk).exists()
    assert OutboxTask.objects.filter(pk__in=[new_work.pk, pending.pk]).count() == 2
    assert not Notification.objects.filter(pk=old_note.pk).exists()
    assert result.stats["operational"]["outbox"]["deleted"] >= 1


def test_the_audit_log_cannot_be_given_a_deleting_policy(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.policy_set(
            actor=cast.owner.admin,
            organisation=None,
            record_type=RecordType.AUDIT_EVENT,
            keep_days=10,
            action="delete",
        )


def wait_for(predicate, timeout: float = 120.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def run_finished(key: str) -> bool:
    return DisposalRun.objects.filter(key=key, finished_at__isnull=False).exists()


@pytest.mark.celery
def test_the_nightly_task_runs_on_a_real_worker(cast, celery_worker_process):
    from config.celery import app

    data = DataSet(cast)
    app.send_task("governance.retention_run", kwargs={"key": "worker-1"}, ignore_result=True)
    assert wait_for(lambda: run_finished("worker-1"))
    assert DisposalItem.objects.filter(status=Status.PENDING).count() == 3
    assert Case.objects.get(pk=data.old_case.pk).title != "Disposed case"

    # The admin's approval queues the disposal through the outbox; the worker does it.
    approve_everything(cast.owner.organisation, cast.owner.admin)
    assert wait_for(lambda: Case.objects.get(pk=data.old_case.pk).title == "Disposed case")
    assert wait_for(
        lambda: (
            Incident.objects.get(pk=data.loose_incident.pk).description == services.DISPOSED_TEXT
        )
    )
    assert Case.objects.get(pk=data.held_case.pk).title == "Held case"

    # The next night: the owner's records of people it holds nothing else about, and the
    # person no agency needs.
    app.send_task("governance.retention_run", kwargs={"key": "worker-2"}, ignore_result=True)
    assert wait_for(lambda: run_finished("worker-2"))
    assert not Person.objects.filter(pk=data.only_owner.pk).exists()
    assert Person.objects.filter(pk=data.victim.pk).exists()
