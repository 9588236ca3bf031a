"""The stored next contact due (CasePerson.contact_due_on) answers My work exactly as computing
every victim's date did: over cases of each risk band, with and without contacts, opened before
weekends and bank holidays, closed, reopened, reassigned and transferred."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max

from access import rules
from access.viewer import viewer_for
from asb_cases import services
from asb_cases.models import Case, CasePerson, CaseStatus
from asb_cases.services.contact_due import contact_due_refresh_all
from my_work.selectors import LIMIT, TASKS_AHEAD, my_work_for
from partners.models import OutboxTask
from partners.working_days import add_working_days
from tests.factories import make_case, make_incident, make_person
from victims.models import ContactStandard
from victims.selectors import contact_due, contact_standards

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), LONDON)


def computed(viewer, team: bool, today: dt.date) -> list[tuple]:
    """The answer before the date was stored (my_work.selectors._victims_due as it was): every
    victim on an open case the viewer (or their organisation) leads, their date computed from
    the case, the last contact that reached them and the contact standards; due within
    TASKS_AHEAD or overdue. (case, person, due_on, overdue, lead officer), most urgent first."""
    mine = {"case__lead_organisation_id": viewer.organisation_id}
    if not team:
        mine["case__lead_officer_id"] = viewer.user.pk
    links = (
        rules.case_people(viewer)
        .filter(role="victim", **mine)
        .exclude(case__status=CaseStatus.CLOSED)
        .values_list(
            "case_id", "person_id", "case__opened_at", "case__risk_band", "case__lead_officer_id"
        )
    )
    last = {
        (row["case_id"], row["person_id"]): row["last"]
        for row in rules.contacts(viewer)
        .filter(made_contact=True, **mine)
        .values("case_id", "person_id")
        .annotate(last=Max("contacted_at"))
        .order_by()
    }
    standards = contact_standards()
    due = []
    for case_id, person_id, opened_at, risk_band, officer_id in links:
        contact = contact_due(
            opened_at=opened_at,
            risk_band=risk_band,
            last_contact=last.get((case_id, person_id)),
            standards=standards,
            today=today,
        )
        if contact.due_on is not None and contact.due_on <= today + TASKS_AHEAD:
            due.append((case_id, person_id, contact.due_on, contact.overdue, officer_id))
    return sorted(due, key=lambda row: (row[2], row[0], row[1]))


def stored(work) -> list[tuple]:
    return [(row.case.pk, row.person.pk, row.due_on, row.overdue) for row in work.victims]


def contact(officer, case, person, when: dt.datetime, *, made_contact: bool = True):
    with time_machine.travel(when + dt.timedelta(minutes=1), tick=False):
        services.case_victim_contact(
            actor=officer,
            case=case,
            person=person,
            contacted_at=when,
            method="phone",
            summary="Rang to say what happens next",
            made_contact=made_contact,
        )


@pytest.fixture
def varied(cast):
    """Cases of the owner's two case workers (its officer and its supervisor) and one the
    partner leads, opened before Christmas 2025, a weekend, Easter 2026 and the early May bank
    holiday, in each risk band; some with contacts (and attempts that did not reach the victim),
    a second victim, a complainant; one closed, one closed and reopened, one whose risk band and
    lead officer changed, one transferred to the partner."""
    owner, partner = cast.owner, cast.partner
    officers = [owner.officer, owner.supervisor]
    opened = [
        at(dt.date(2025, 12, 19), 16),  # Friday before Christmas
        at(dt.date(2025, 12, 24)),  # Christmas Eve, then two bank holidays and a weekend
        at(dt.date(2025, 12, 27), 11),  # a Saturday between bank holidays
        at(dt.date(2026, 4, 2)),  # the day before Good Friday
        at(dt.date(2026, 5, 1)),  # the Friday before the May bank holiday
        at(dt.date(2026, 5, 2), 23),  # late on a Saturday (London time, after midnight UTC+1)
        at(dt.date(2026, 11, 20)),  # a week and a half before today's tests
    ]
    bands = ["high", "medium", "standard"]
    cases = []
    for i, moment in enumerate(opened * 2):
        officer = officers[i % 2]
        with time_machine.travel(moment, tick=False):
            victim = make_person(officer, given_name=f"Victim{i}", family_name="Testcase")
            case = make_case(
                officer,
                incidents=[make_incident(officer, victim=victim, days_ago=0.1)],
                risk_band=bands[(i // 2) % 3],
                lead_officer=officer,
            )
            if i % 4 == 1:
                second = make_person(officer, given_name=f"Second{i}", family_name="Testcase")
                services.case_add_person(actor=officer, case=case, person=second, role="victim")
            if i % 5 == 2:
                neighbour = make_person(officer, given_name=f"Neighbour{i}", family_name="Other")
                services.case_add_person(
                    actor=officer, case=case, person=neighbour, role="complainant"
                )
        if i % 3 == 0:
            contact(officer, case, victim, moment + dt.timedelta(days=2))
        if i % 3 == 1:
            contact(officer, case, victim, moment + dt.timedelta(days=3), made_contact=False)
        if i % 6 == 0:
            contact(officer, case, victim, moment + dt.timedelta(days=9))
        cases.append(case)
    officer = owner.officer
    with time_machine.travel(at(dt.date(2026, 5, 6)), tick=False):
        closed = cases[3]
        closed.refresh_from_db()
        services.case_change_status(
            actor=officer,
            case=closed,
            status="closed",
            closure_reason="resolved",
            expected_version=closed.version,
        )
        reopened = cases[4]
        reopened.refresh_from_db()
        services.case_change_status(
            actor=officer,
            case=reopened,
            status="closed",
            closure_reason="resolved",
            expected_version=reopened.version,
        )
        reopened.refresh_from_db()
        services.case_change_status(
            actor=officer, case=reopened, status="investigating", expected_version=reopened.version
        )
        changed = cases[5]
        changed.refresh_from_db()
        services.case_update_details(
            actor=officer,
            case=changed,
            expected_version=changed.version,
            risk_band="high",
            lead_officer=owner.supervisor,
        )
        moved = cases[6]
        moved.refresh_from_db()
        transfer = services.case_transfer_propose(
            actor=officer,
            case=moved,
            to_organisation=partner.organisation,
            reason="They hold the tenancy",
        )
        services.case_transfer_accept(
            actor=partner.supervisor, transfer=transfer, lead_officer=partner.officer
        )
    # A victim on a case the partner leads, shared with the owner: the owner owes them nothing.
    victim = make_person(partner.officer, given_name="Partner", family_name="Victim")
    theirs = make_case(partner.officer, incidents=[make_incident(partner.officer, victim=victim)])
    services.case_share_with_partner(
        actor=partner.officer,
        case=theirs,
        organisation=owner.organisation,
        access_level="view",
        purpose="Joint working on the problem",
        legal_basis="cda_1998_s115",
        include_people=True,
    )
    return cases


TODAYS = [
    dt.date(2025, 12, 23),
    dt.date(2025, 12, 29),
    dt.date(2026, 1, 2),
    dt.date(2026, 4, 7),
    dt.date(2026, 5, 5),
    dt.date(2026, 11, 30),
]


@pytest.mark.parametrize("today", TODAYS)
def test_the_stored_date_answers_as_computing_it_did(cast, varied, today):
    viewers = [
        (cast.owner.officer, False),
        (cast.owner.supervisor, False),
        (cast.owner.supervisor, True),
        (cast.partner.officer, False),
        (cast.partner.supervisor, True),
        (cast.contributor.officer, False),
    ]
    with time_machine.travel(at(today, 12), tick=False):
        for user, team in viewers:
            viewer = viewer_for(user)
            expected = computed(viewer, team, today)
            work = my_work_for(viewer=viewer, team=team)
            assert stored(work) == [row[:4] for row in expected[:LIMIT]], (user, team)
            assert work.victims_more == max(0, len(expected) - LIMIT)
            if team:
                overdue = Counter(row[4] for row in expected if row[3])
                assert {
                    line.officer.pk: line.contact_overdue
                    for line in work.officers
                    if line.contact_overdue
                } == {officer: n for officer, n in overdue.items() if officer}
                # Open cases by officer (access.rules.cases_led) as the permission rows say.
                led = Counter(
                    rules.cases(viewer)
                    .filter(lead_organisation_id=viewer.organisation_id)
                    .exclude(status=CaseStatus.CLOSED)
                    .values_list("lead_officer_id", flat=True)
                )
                assert {
                    line.officer.pk: line.open_cases for line in work.officers if line.open_cases
                } == {officer: n for officer, n in led.items() if officer}


def test_the_fixture_is_varied_enough_to_mean_something(cast, varied):
    """Overdue and not yet due, each band, victims with and without a stored date."""
    with time_machine.travel(at(dt.date(2026, 1, 2), 12), tick=False):
        rows = computed(viewer_for(cast.owner.supervisor), True, dt.date(2026, 1, 2))
    assert any(row[3] for row in rows) and any(not row[3] for row in rows)
    links = CasePerson.objects.filter(role="victim")
    assert links.filter(contact_due_on__isnull=True).exists()  # the closed case's
    assert links.filter(contact_organisation=cast.partner.organisation).count() >= 2
    assert {"high", "medium", "standard"} <= set(
        Case.objects.exclude(status="closed").values_list("risk_band", flat=True)
    )


def test_the_services_keep_every_date_as_a_full_recompute_would(cast, varied):
    assert contact_due_refresh_all() == 0


def test_a_contact_moves_the_date_and_an_attempt_does_not(cast, varied):
    case = varied[8]  # medium risk, never contacted
    link = CasePerson.objects.get(case=case, role="victim")
    standard = ContactStandard.objects.get(risk_band=case.risk_band)
    opened = case.opened_at.astimezone(LONDON).date()
    first = add_working_days(opened, standard.first_contact_working_days)
    assert link.contact_due_on == first
    when = at(opened + dt.timedelta(days=20), 9)
    contact(cast.owner.officer, case, link.person, when, made_contact=False)
    link.refresh_from_db()
    assert link.contact_due_on == first
    contact(cast.owner.officer, case, link.person, when)
    link.refresh_from_db()
    assert link.contact_due_on == add_working_days(when.date(), standard.update_every_working_days)


def test_a_closed_case_owes_no_contact_and_reopening_it_does(cast, varied):
    case = varied[3]
    assert not CasePerson.objects.filter(case=case, contact_due_on__isnull=False).exists()
    assert CasePerson.objects.filter(case=varied[4], contact_due_on__isnull=False).exists()


def test_a_transfer_and_a_new_lead_officer_move_who_owes_it(cast, varied):
    moved = CasePerson.objects.filter(case=varied[6], role="victim")
    assert {(link.contact_organisation, link.contact_officer) for link in moved} == {
        (cast.partner.organisation, cast.partner.officer)
    }
    changed = CasePerson.objects.filter(case=varied[5], role="victim")
    assert len(changed) == 2  # a second victim was added
    assert {(link.contact_organisation, link.contact_officer) for link in changed} == {
        (cast.owner.organisation, cast.owner.supervisor)
    }


def test_changing_a_contact_standard_recomputes_in_the_background(cast, varied):
    case = varied[11]  # standard risk, never contacted
    link = CasePerson.objects.get(case=case, role="victim")
    opened = case.opened_at.astimezone(LONDON).date()
    standard = ContactStandard.objects.get(risk_band=case.risk_band)
    assert link.contact_due_on == add_working_days(opened, standard.first_contact_working_days)
    before = OutboxTask.objects.filter(task_name="asb_cases.contact_due_refresh_all").count()
    standard.first_contact_working_days += 3
    standard.save()
    assert (
        OutboxTask.objects.filter(task_name="asb_cases.contact_due_refresh_all").count()
        == before + 1
    )
    from asb_cases.tasks import contact_due_refresh_all as task

    assert task() > 0  # what the worker runs
    link.refresh_from_db()
    assert link.contact_due_on == add_working_days(opened, standard.first_contact_working_days)


def test_the_embedded_default_writes_the_same_dates_as_postgresql(cast, varied, monkeypatch):
    """`make run`'s SQLite cannot unnest arrays: there the dates are written with the ORM.
    Both writers, given the same recompute, leave the same rows."""
    from asb_cases.services import contact_due as module

    stored = list(
        CasePerson.objects.order_by("pk").values_list(
            "pk", "contact_due_on", "contact_organisation_id", "contact_officer_id"
        )
    )
    assert any(row[1] for row in stored)
    CasePerson.objects.update(contact_due_on=None, contact_organisation=None, contact_officer=None)
    monkeypatch.setattr(module, "_write_in_one_statement", module._write_with_the_orm)
    assert contact_due_refresh_all() == sum(1 for row in stored if row[1])
    assert (
        list(
            CasePerson.objects.order_by("pk").values_list(
                "pk", "contact_due_on", "contact_organisation_id", "contact_officer_id"
            )
        )
        == stored
    )
