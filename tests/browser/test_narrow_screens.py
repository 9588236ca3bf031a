"""At 375 px the case list, the case page and the published Case Review figures fit the
visual viewport (GOV.UK responsive tables), and axe finds nothing at either width."""

import datetime as dt

from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType
from tests.browser.test_my_work_journey import at_375_px
from tests.factories import make_case, make_incident, make_person


def test_tables_fit_a_phone_screen(journey, cast):
    officer = cast.owner.officer
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
    services.case_add_action(
        actor=officer,
        case=case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=timezone.now() - dt.timedelta(days=1),
    )

    person = journey()
    person.sign_in("officer@test-housing")
    for path in ("/cases/", f"/cases/{case.uuid}/", "/case-review/figures/"):
        person.visit(path)
        at_375_px(person)
