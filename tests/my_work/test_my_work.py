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
    team = work.officers_page.count
    assert team == OFFICERS_PER_PAGE + 5 + 1 + 2  # and the cast's officer and supervisor
    assert work.officers[0].officer == late and work.officers[0].tasks_overdue == 2
    assert work.officers_page.items == work.officers
    assert len(work.officers) == OFFICERS_PER_PAGE

    client = client_for(cast.owner.supervisor)
    row = 'data-label="Officer">{}<'.format
    first = client.get("/?team=1").content.decode()
    assert first.index(row("Zed Lastbyname")) < first.index(row("Aaron00 Teamtest"))
    assert f"{team} officers, those with the most overdue first" in first
    assert "?team=1&amp;page=2" in first
    assert "Forceofficer" not in first
    second = client.get("/?team=1&page=2").content.decode()
    assert "Your team, by officer" in second and row("Zed Lastbyname") not in second
    shown = first.count('data-label="Open cases"') + second.count('data-label="Open cases"')
    assert shown == team
    # A page past the end, or not a number, is the last or the first page, never an error.
    assert client.get("/?team=1&page=99").status_code == 200
    assert row("Zed Lastbyname") in client.get("/?team=1&page=x").content.decode()


def test_the_team_table_is_ranked_as_sorting_the_members_by_rank_would_with_ties(cast):
    """The table is ranked in the database, page by page: the same officers, numbers and order
    as reading every member alphabetically and sorting them (stably) by OfficerLine.rank, with
    ties on what is overdue, what is due, open cases and the whole name; nobody inactive, of
    another role or of another organisation."""
    from access.viewer import viewer_for
    from asb_cases.models import Case, CasePerson
    from my_work.selectors import OFFICERS_PER_PAGE, OfficerLine, my_work_for
    from partners.models import Membership, User
    from tests.factories import user_in

    organisation = cast.owner.organisation
    today = timezone.localdate()
    people = {
        name: user_in(organisation, first_name=first, last_name=last)
        for name, first, last in (
            ("task_late", "Bea", "Overdue"),
            ("victim_late", "Cal", "Overdue"),
            ("both_late", "Dee", "Overdue"),
            ("due", "Eve", "Due"),
            ("twin_a", "Sam", "Tied"),
            ("twin_b", "Sam", "Tied"),
        )
    }
    for i in range(OFFICERS_PER_PAGE):
        user_in(organisation, first_name=f"Filler{i:02d}", last_name="Teamtest")
    gone = user_in(organisation, first_name="Gone", last_name="Inactive")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    analyst = user_in(organisation, role=Membership.Role.ANALYST, first_name="Ann", last_name="A")
    user_in(cast.partner.organisation, first_name="Other", last_name="Forceofficer")

    lead = cast.owner.officer

    def task(assignee, days: int) -> None:
        case = make_case(lead, incidents=[make_incident(lead)])
        added = services.case_add_task(
            actor=lead, case=case, title="Visit", due_on=today, assignee=lead
        )
        # Set a while ago (to someone who may since have changed role), and not done since.
        CaseTask.objects.filter(pk=added.pk).update(
            due_on=today + dt.timedelta(days=days), assignee=assignee
        )

    def victim_late(officer) -> None:
        victim = make_person(officer, given_name="Vic", family_name="Late")
        case = make_case(officer, incidents=[make_incident(officer, victim=victim)])
        CasePerson.objects.filter(case=case, role="victim").update(
            contact_due_on=today - dt.timedelta(days=2)
        )

    task(people["task_late"], -3)  # overdue 1, like victim_late's, who leads a case more
    victim_late(people["victim_late"])
    task(people["both_late"], -1)
    victim_late(people["both_late"])  # overdue 2
    task(people["due"], 2)  # level with the twins: by name
    task(people["twin_a"], 1)
    task(people["twin_b"], 1)  # the twins level on everything, the whole name too: by username
    task(analyst, -1)  # counted in the team's tasks, not a line of the table

    viewer = viewer_for(cast.owner.supervisor)
    members = User.objects.filter(
        membership__organisation=organisation,
        membership__role__in=("case_officer", "supervisor"),
        is_active=True,
    ).order_by("first_name", "last_name", "username")
    open_tasks = CaseTask.objects.filter(status=CaseTask.Status.OPEN)

    def line(user) -> OfficerLine:
        contact = CasePerson.objects.filter(
            contact_organisation=organisation, contact_officer=user, contact_due_on__lt=today
        )
        return OfficerLine(
            officer=user,
            open_cases=Case.objects.filter(lead_organisation=organisation, lead_officer=user)
            .exclude(status="closed")
            .count(),
            tasks_overdue=open_tasks.filter(assignee=user, due_on__lt=today).count(),
            tasks_due=open_tasks.filter(
                assignee=user, due_on__gte=today, due_on__lte=today + dt.timedelta(days=7)
            ).count(),
            contact_overdue=contact.count(),
        )

    expected = sorted((line(user) for user in members), key=lambda line: line.rank)
    shown = []
    for number in (1, 2):
        work = my_work_for(viewer=viewer, team=True, params={"page": str(number)})
        assert work.officers_page.number == number
        assert work.officers_page.count == len(expected)
        shown += work.officers
    numbers = lambda line: (  # noqa: E731
        line.officer.pk,
        line.open_cases,
        line.tasks_overdue,
        line.tasks_due,
        line.contact_overdue,
    )
    assert [numbers(line) for line in shown] == [numbers(line) for line in expected]
    assert [line.officer.display_name for line in shown] == [
        line.officer.display_name for line in expected
    ]
    twins = sorted([people["twin_a"], people["twin_b"]], key=lambda user: user.username)
    assert [line.officer for line in shown[:6]] == [
        people["both_late"],
        people["victim_late"],
        people["task_late"],
        people["due"],
        *twins,
    ]
    team = my_work_for(viewer=viewer, team=True)
    assert len(team.tasks) == 6 and team.tasks_more == 0  # the analyst's too
    assert len(team.victims) == 2 and team.victims_more == 0


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


def test_the_tools_and_powers_clocks_are_those_the_case_actions_rule_gives(cast):
    """A team's clocks are read from the cases its organisation leads (access.rules.cases_led)
    rather than from a permission row per action: for every viewer, the same clocks as
    access.rules.case_actions on the cases they (or their organisation) lead and that are
    open; over shared, transferred, partner-led and closed cases, and each kind of date."""
    from access import rules
    from access.viewer import viewer_for
    from asb_cases.models import CaseStatus
    from my_work.selectors import CLOCKS_AHEAD, CLOCKS_BEHIND, LIVE_OUTCOMES, my_work_for

    today = timezone.localdate()
    owned = fill(cast, 4)
    # An appeal period and an expiry near too, and an outcome whose clocks no longer matter.
    CaseAction.objects.filter(case=owned[0]).update(
        review_on=None, appeal_by=today - dt.timedelta(days=2)
    )
    CaseAction.objects.filter(case=owned[1]).update(
        review_on=None, expires_at=timezone.now() + dt.timedelta(days=5)
    )
    CaseAction.objects.filter(case=owned[2]).update(outcome=CaseAction.Outcome.REFUSED)
    # A case the partner leads and shares with the owner, with a review near.
    partner_case = make_case(cast.partner.officer, incidents=[make_incident(cast.partner.officer)])
    action = services.case_add_action(
        actor=cast.partner.officer,
        case=partner_case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=timezone.now() - dt.timedelta(days=1),
    )
    CaseAction.objects.filter(pk=action.pk).update(review_on=today + dt.timedelta(days=1))
    share_case(partner_case, by=cast.partner.officer, with_organisation=cast.owner.organisation)
    # One of the owner's cases now led by the council, which the owner still sees.
    transferred, closed = fill(cast, 2)
    transfer = services.case_transfer_propose(
        actor=cast.owner.officer,
        case=transferred,
        to_organisation=cast.contributor.organisation,
        reason="They hold the tenancy",
    )
    services.case_transfer_accept(
        actor=cast.contributor.supervisor, transfer=transfer, lead_officer=cast.contributor.officer
    )
    closed.refresh_from_db()
    services.case_change_status(
        actor=cast.owner.officer,
        case=closed,
        status=CaseStatus.CLOSED,
        expected_version=closed.version,
        closure_reason="resolved",
    )

    def expected(viewer, team: bool) -> list[tuple]:
        start, end = today - CLOCKS_BEHIND, today + CLOCKS_AHEAD
        mine = (
            {"case__lead_organisation_id": viewer.organisation_id}
            if team
            else {"case__lead_officer_id": viewer.user.pk}
        )
        clocks = []
        for action in (
            rules.case_actions(viewer)
            .filter(outcome__in=LIVE_OUTCOMES, **mine)
            .exclude(case__status=CaseStatus.CLOSED)
            .order_by("review_on", "id")
        ):
            expires = timezone.localtime(action.expires_at).date() if action.expires_at else None
            for what, on in (
                ("Review due", action.review_on),
                ("Appeal period ends", action.appeal_by),
                ("Expires", expires),
            ):
                if on is not None and start <= on <= end:
                    clocks.append((action.pk, action.case_id, what, on, on < today))
        return sorted(clocks, key=lambda clock: clock[3])

    def shown(viewer, team: bool) -> list[tuple]:
        work = my_work_for(viewer=viewer, team=team)
        return [
            (clock.action.pk, clock.action.case.pk, clock.what, clock.on, clock.overdue)
            for clock in work.clocks
        ]

    seen = {}
    for agency in (cast.owner, cast.partner, cast.contributor, cast.unrelated):
        for user, team in ((agency.officer, False), (agency.supervisor, False)):
            viewer = viewer_for(user)
            assert shown(viewer, team) == expected(viewer, team), user.username
        viewer = viewer_for(agency.supervisor)
        seen[agency.organisation.slug] = shown(viewer, True)
        assert seen[agency.organisation.slug] == expected(viewer, True), agency.organisation
    # Not vacuous: each kind of date, the transferred case at its new lead, nothing closed.
    assert {what for _, _, what, _, _ in seen["test-housing"]} == {
        "Review due",
        "Appeal period ends",
        "Expires",
    }
    assert {case for _, case, *_ in seen["test-council"]} == {transferred.pk}
    assert {case for _, case, *_ in seen["test-police"]} == {partner_case.pk}
    assert closed.pk not in {case for _, case, *_ in seen["test-housing"]}
    assert seen["test-borough"] == []


def test_a_team_clock_whose_case_changes_lead_between_the_two_reads_is_left_out(cast):
    """A team's clocks are read in two statements: the actions on the cases the organisation
    leads, then those cases by key (my_work.selectors._clocks). A case transferred between
    the two is not the team's any more: its clock is left out, the others stay, nothing
    fails. The transfer is made by the database in between, as another request would."""
    from access.viewer import viewer_for
    from asb_cases.models import Case
    from my_work.selectors import my_work_for

    kept, moved = fill(cast, 2)
    viewer = viewer_for(cast.owner.supervisor)
    assert {clock.action.case.pk for clock in my_work_for(viewer=viewer, team=True).clocks} == {
        kept.pk,
        moved.pk,
    }
    moved_at = []

    def transfer_after_the_actions_are_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not moved_at and sql.startswith('SELECT "asb_cases_caseaction"."id"'):
            moved_at.append(sql)
            Case.objects.filter(pk=moved.pk).update(
                lead_organisation=cast.contributor.organisation, lead_officer=None
            )
        return result

    with connection.execute_wrapper(transfer_after_the_actions_are_read):
        work = my_work_for(viewer=viewer, team=True)
    assert moved_at, "the actions were never read"
    assert [clock.action.case.pk for clock in work.clocks] == [kept.pk]


def test_the_victims_list_shows_each_victim_their_case_and_the_date_their_contact_is_due(cast):
    """The rows come from the stored dates (CasePerson.contact_due_on): the person as the
    viewer may see them, a link to them on their case, the case's risk, the date (overdue or
    not) and, for a team, the case's lead officer."""
    from django.urls import reverse

    from asb_cases.models import CasePerson

    late, soon = fill(cast, 2)
    today = timezone.localdate()
    CasePerson.objects.filter(case=late, role="victim").update(
        contact_due_on=today - dt.timedelta(days=2)
    )
    CasePerson.objects.filter(case=soon, role="victim").update(
        contact_due_on=today + dt.timedelta(days=3)
    )
    for user, path in ((cast.owner.officer, "/"), (cast.owner.supervisor, "/?team=1")):
        page = client_for(user).get(path).content.decode()
        section = page[page.index('data-testid="my-work-victims"') :]
        section = section[: section.index("</ul>")]
        for case, name in ((late, "Victim0 Testcase"), (soon, "Victim1 Testcase")):
            person = CasePerson.objects.get(case=case, role="victim").person
            link = reverse("asb_cases:case_victim", args=[case.uuid, person.uuid])
            assert f'href="{link}">{name}</a>' in section
        assert section.index("Victim0") < section.index("Victim1")  # the most urgent first
        assert section.count("Overdue</strong>") == 1
        assert f"Overdue since {today - dt.timedelta(days=2):%-d %b %Y}" in section
        assert f"Next contact by {today + dt.timedelta(days=3):%-d %b %Y}" in section
        assert f"Case {late.reference} · {late.get_risk_band_display().lower()} risk" in section
        assert (cast.owner.officer.display_name in section) == path.endswith("team=1")
