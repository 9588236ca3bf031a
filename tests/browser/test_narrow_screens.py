"""At 375 px every page with a table fits the visual viewport (GOV.UK responsive tables), and
axe finds nothing at either width."""

import datetime as dt

from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType
from tests.browser.test_my_work_journey import at_375_px
from tests.factories import make_case, make_incident, make_person


def a_case_with_long_words(officer):
    """A victim with a long name on a case with a long title and a task: what makes a table
    wide."""
    victim = make_person(officer, given_name="Philippa", family_name="Montgomery-Witherspoon")
    case = make_case(
        officer,
        incidents=[make_incident(officer, victim=victim)],
        title="Persistent late-night noise and intimidation at Rowan Close",
    )
    services.case_add_task(
        actor=officer,
        case=case,
        title="Arrange a joint visit with the neighbourhood policing team",
        due_on=timezone.localdate() + dt.timedelta(days=2),
        assignee=officer,
    )
    return case, victim


def test_tables_fit_a_phone_screen(journey, cast):
    officer = cast.owner.officer
    case, _ = a_case_with_long_words(officer)
    services.case_add_action(
        actor=officer,
        case=case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=timezone.now() - dt.timedelta(days=1),
    )

    person = journey()
    person.sign_in("officer@test-housing")
    for path in ("/cases/", f"/cases/{case.uuid}/", "/case-review/published-figures/"):
        person.visit(path)
        at_375_px(person)


# Every page of the service that shows a table, by the person who works on it: at 375 px the page
# is never wider than the visual viewport (each table is responsive or scrolls in its own
# focusable region), and axe finds nothing.
STAFF_TABLE_PAGES = {
    "officer@test-housing": (
        "/",
        "/cases/mine/",
        "/cases/transfers/",
        "/incidents/",
        "/people/",
        "/people/search/?given_name=Philippa&family_name=Montgomery-Witherspoon",
        "/notifications/",
        "{person}",
        "{case_victim}",
        "/case-reviews/",
    ),
    "supervisor@test-housing": ("/?team=1", "/people/?team=1", "/letters/templates/"),
    "admin@test-housing": (
        "/organisation/users/",
        "/organisation/api-clients/",
        "/organisation/retention/",
        "/organisation/subject-access/",
        "/organisation/who-viewed/",
    ),
    "analyst@test-housing": ("/dashboards/ownership/", "/tenant-satisfaction/", "/open-data/"),
    "champion@test-opcc": (
        "/case-reviews/",
        "{application}",
        "/case-reviews/alerts/",
        "/case-reviews/dashboard/",
        "/case-reviews/recommendations/",
        "/case-reviews/policies/",
        "/feedback/dashboard/",
    ),
}


def test_every_table_page_fits_a_phone_screen(journey, cast):
    from tests.community_trigger.conftest import apply_for

    case, victim = a_case_with_long_words(cast.owner.officer)
    application = apply_for(victim)
    places = {
        "person": f"/people/{victim.uuid}/",
        "case_victim": f"/cases/{case.uuid}/people/{victim.uuid}/",
        "application": f"/case-reviews/{application.uuid}/",
    }
    too_wide = []
    for username, paths in STAFF_TABLE_PAGES.items():
        person = journey()
        person.sign_in(username)
        for path in paths:
            path = path.format(**places)
            response = person.page.goto(person.base_url + path)
            if response.status != 200:
                too_wide.append(f"{username} {path}: {response.status}")
                person.check_accessibility()
                continue
            try:
                at_375_px(person)
            except AssertionError as failure:
                too_wide.append(str(failure).splitlines()[0])
                person.page.set_viewport_size({"width": 1280, "height": 900})
        person.page.close()
    assert not too_wide, "\n".join(too_wide)
