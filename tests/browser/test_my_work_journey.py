"""My work in a browser: an officer's day and a supervisor's team, each item leading to the
place to act. axe at desktop width and at 375 px; at 375 px nothing is wider than the visual
viewport (no sideways scrolling)."""

import datetime as dt

from django.utils import timezone

from asb_cases import services
from my_work.selectors import OFFICERS_PER_PAGE
from tests.factories import make_case, make_incident, make_person, user_in


def at_375_px(person) -> None:
    """axe at 375 px, and no page wider than the visual viewport."""
    person.page.set_viewport_size({"width": 375, "height": 800})
    person.check_accessibility()
    widths = person.page.evaluate(
        "() => ({page: document.documentElement.scrollWidth,"
        " visual: Math.round(window.visualViewport.width)})"
    )
    assert widths["page"] <= widths["visual"], f"{person.page.url} scrolls sideways: {widths}"
    person.page.set_viewport_size({"width": 1280, "height": 900})


def test_an_officer_and_a_supervisor_start_their_day_on_my_work(journey, cast):
    officer = cast.owner.officer
    victim = make_person(officer, given_name="Hester", family_name="Wraith")
    case = make_case(officer, incidents=[make_incident(officer, victim=victim)])
    services.case_add_task(
        actor=cast.owner.supervisor,
        case=case,
        title="Check the CCTV request",
        due_on=timezone.localdate() + dt.timedelta(days=1),
        assignee=officer,
    )

    person = journey()
    person.sign_in("officer@test-housing")
    assert "My work" in person.text()
    tasks = person.page.get_by_test_id("my-work-tasks").inner_text()
    assert "Check the CCTV request" in tasks
    assert "Hester Wraith" in person.page.get_by_test_id("my-work-victims").inner_text()
    assert "You have a task on case" in person.page.get_by_test_id("my-work-updates").inner_text()
    at_375_px(person)
    person.follow("Check the CCTV request")
    assert person.page.url.endswith(f"/cases/{case.uuid}/#tasks")

    # A team larger than a page of the table, whose second page is the supervisor's too.
    for i in range(OFFICERS_PER_PAGE):
        user_in(cast.owner.organisation, first_name=f"Member{i:02d}", last_name="Teamjourney")
    supervisor = journey()
    supervisor.sign_in("supervisor@test-housing")
    supervisor.follow("My team's work")
    team = supervisor.page.locator("table", has_text="Your team, by officer").inner_text()
    assert officer.display_name in team  # their task is due: on the first page
    at_375_px(supervisor)
    supervisor.follow("Page 2")  # axe at desktop width, then at 375 px
    assert "team=1" in supervisor.page.url and "page=2" in supervisor.page.url
    second = supervisor.page.locator("table", has_text="Your team, by officer").inner_text()
    assert "Teamjourney" in second and officer.display_name not in second
    at_375_px(supervisor)
