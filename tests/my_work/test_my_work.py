"""My work: the signed-in home of officers and supervisors, read through the access layer."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType, CaseAction
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
