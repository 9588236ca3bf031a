"""My work: the signed-in home of officers and supervisors, read through the access layer."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType, CaseAction, CaseTask
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case

pytestmark = pytest.mark.django_db


def fill(cast, n: int, *, title: str = "Noise at Elm Court"):
    """`n` cases led by the owner's officer, each with a victim, a task due, a tool with a
    review near and a share with the partner; and a transfer proposed to the partner."""
    officer = cast.owner.officer
    cases = []
    for i in range(n):
        victim = make_person(officer, given_name=f"Victim{i}", family_name="Testcase")
        case = make_case(officer, incidents=[make_incident(officer, victim=victim)], title=title)
        services.case_add_task(
            actor=officer,
            case=case,
            title=f"Ring the housing office {i}",
            due_on=timezone.localdate(),
            assignee=officer,
        )
        action = services.case_add_action(
            actor=officer,
            case=case,
            action_type=ActionType.objects.get(code="warning-letter"),
            started_at=timezone.now() - dt.timedelta(days=1),
        )
        CaseAction.objects.filter(pk=action.pk).update(
            review_on=timezone.localdate() + dt.timedelta(days=3)
        )
        share_case(case, by=officer, with_organisation=cast.partner.organisation)
        cases.append(case)
    return cases


def test_an_officer_sees_their_own_work_and_where_to_act(cast):
    (case,) = fill(cast, 1)
    page = client_for(cast.owner.officer).get("/").content.decode()
    assert "And -" not in page  # fewer than ten tasks: nothing more (it said "And -9 more.")
    assert "My work" in page
    assert "Ring the housing office 0" in page
    assert f"/cases/{case.uuid}/#tasks" in page
    assert "Victim0 Testcase" in page  # the victim is due a first contact
    assert "review due" in page.lower()
    assert f"/cases/{case.uuid}/" in page


def test_a_partner_sees_the_share_and_nothing_of_the_owners_tasks(cast):
    (case,) = fill(cast, 1)
    page = client_for(cast.partner.officer).get("/").content.decode()
    assert f"{case.reference}</a> shared with {cast.partner.organisation.name}" in page
    assert "Ring the housing office" not in page
    assert "Victim0" not in page


def test_an_unrelated_officer_sees_nothing_of_the_case(cast):
    (case,) = fill(cast, 1)
    page = client_for(cast.unrelated.officer).get("/").content.decode()
    assert case.reference not in page
    assert "Nothing is due or waiting for you this week." in page


def test_a_transfer_offers_officers_the_case_and_supervisors_the_decision(cast):
    (case,) = fill(cast, 1)
    transfer = services.case_transfer_propose(
        actor=cast.owner.officer,
        case=case,
        to_organisation=cast.contributor.organisation,
        reason="They hold the tenancy",
    )
    officer_page = client_for(cast.contributor.officer).get("/").content.decode()
    assert f"/cases/transfers/{transfer.uuid}/" not in officer_page
    assert "a supervisor decides whether to lead it" in officer_page
    supervisor_page = client_for(cast.contributor.supervisor).get("/").content.decode()
    assert f"/cases/transfers/{transfer.uuid}/" in supervisor_page


def test_a_supervisor_sees_their_team_by_officer(cast):
    fill(cast, 2)
    client = client_for(cast.owner.supervisor)
    page = client.get("/?team=1").content.decode()
    assert "Your team, by officer" in page
    assert cast.owner.officer.display_name in page
    # Two open cases and two tasks due today, for the officer.
    assert 'data-label="Open cases">2<' in page
    assert 'data-label="Tasks due this week">2<' in page
    # An officer asking for the team view gets their own.
    assert (
        "Your team, by officer"
        not in client_for(cast.owner.officer).get("/?team=1").content.decode()
    )


def test_a_large_team_is_shown_a_page_at_a_time_most_overdue_first(cast):
    """A force's supervisor has thousands of officers: the table shows 25 at a time, those
    with overdue work first, and its pages keep the team view; nobody of another
    organisation is ever in it."""
    from access.viewer import viewer_for
    from my_work.selectors import OFFICERS_PER_PAGE, my_work_for
    from tests.factories import user_in

    organisation = cast.owner.organisation
    for i in range(OFFICERS_PER_PAGE + 5):
        user_in(organisation, first_name=f"Aaron{i:02d}", last_name="Teamtest")
    late = user_in(organisation, first_name="Zed", last_name="Lastbyname")
    case = make_case(cast.owner.officer, incidents=[make_incident(cast.owner.officer)])
    for days in (3, 5):
        task = services.case_add_task(
            actor=cast.owner.officer,
            case=case,
            title="Visit the neighbour",
            due_on=timezone.localdate(),
            assignee=late,
        )
        # Set a while ago, and not done since.
        CaseTask.objects.filter(pk=task.pk).update(
            due_on=timezone.localdate() - dt.timedelta(days=days)
        )
    user_in(cast.partner.organisation, first_name="Other", last_name="Forceofficer")

    work = my_work_for(viewer=viewer_for(cast.owner.supervisor), team=True)
    members = {line.officer.pk for line in work.officers}
    assert late.pk in members and cast.owner.officer.pk in members
    assert work.officers[0].officer == late and work.officers[0].tasks_overdue == 2
    assert len(work.officers_page.items) == OFFICERS_PER_PAGE
    assert work.officers_page.count == len(work.officers) > OFFICERS_PER_PAGE

    client = client_for(cast.owner.supervisor)
    row = 'data-label="Officer">{}<'.format
    first = client.get("/?team=1").content.decode()
    assert first.index(row("Zed Lastbyname")) < first.index(row("Aaron00 Teamtest"))
    assert f"{len(work.officers)} officers, those with the most overdue first" in first
    assert "?team=1&amp;page=2" in first
    assert "Forceofficer" not in first
    second = client.get("/?team=1&page=2").content.decode()
    assert "Your team, by officer" in second and row("Zed Lastbyname") not in second
    shown = first.count('data-label="Open cases"') + second.count('data-label="Open cases"')
    assert shown == len(work.officers)
    # A page past the end, or not a number, is the last or the first page, never an error.
    assert client.get("/?team=1&page=99").status_code == 200
    assert row("Zed Lastbyname") in client.get("/?team=1&page=x").content.decode()


def test_people_who_do_not_work_on_cases_keep_the_plain_home_page(cast):
    page = client_for(cast.owner.analyst).get("/").content.decode()
    assert "My work" not in page
    assert "Dashboards" in page


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who,path", [("officer", "/"), ("supervisor", "/?team=1")])
def test_my_work_runs_a_fixed_number_of_queries(cast, who, path):
    client = client_for(getattr(cast.owner, who))
    fill(cast, 1)
    client.get(path)  # warm per-session caches
    few = queries(client, path)
    fill(cast, 5)
    many = queries(client, path)
    assert few == many
    assert many <= 30


def test_the_tasks_list_shows_ten_and_counts_the_rest(cast):
    from access.viewer import viewer_for
    from my_work.selectors import LIMIT, my_work_for

    fill(cast, LIMIT + 2)
    officer = my_work_for(viewer=viewer_for(cast.owner.officer))
    assert len(officer.tasks) == LIMIT and officer.tasks_more == 2
    assert [t.due_on for t in officer.tasks] == sorted(t.due_on for t in officer.tasks)
    team = my_work_for(viewer=viewer_for(cast.owner.supervisor), team=True)
    assert len(team.tasks) == LIMIT and team.tasks_more == 2
    page = client_for(cast.owner.officer).get("/").content.decode()
    assert "And 2 more." in page
    # A partner that sees the shared cases sees none of the owner's tasks, so nothing more.
    partner = my_work_for(viewer=viewer_for(cast.partner.officer))
    assert partner.tasks == [] and partner.tasks_more == 0
