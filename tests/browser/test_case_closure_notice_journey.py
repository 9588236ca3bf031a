"""The closure notice in a browser (issue 14, item 8): the lead officer closes a case, follows
the case page to the closure notice, meets the error summary, records an e-mail notice naming
their single point of contact, and sees it on the case page and its timeline. axe checks every
page at desktop width and at 375 px."""

from __future__ import annotations

from asb_cases.models import CaseClosureNotice
from partners.models import OutboxTask
from tests.factories import make_case, make_incident, make_person


def narrow(person) -> None:
    person.page.set_viewport_size({"width": 375, "height": 800})
    person.check_accessibility()
    person.page.set_viewport_size({"width": 1280, "height": 900})


def test_the_lead_officer_records_the_closure_notice(journey, cast):
    officer_user = cast.owner.officer
    victim = make_person(
        officer_user, given_name="Marigold", family_name="Featherstone", email="mf@example.org"
    )
    case = make_case(officer_user, incidents=[make_incident(officer_user, victim=victim)])

    officer = journey()
    officer.sign_in(officer_user.username)
    officer.visit(f"/cases/{case.uuid}/status/")
    officer.choose("Closed")
    officer.page.get_by_label("If closing, why?").select_option("resolved")
    officer.submit("Change status")
    assert "Record the closure notice to the victim" in officer.text()
    narrow(officer)

    officer.follow("Record a closure notice")
    assert (
        "Problem resolved." in officer.page.get_by_label("Why has the case closed?").input_value()
    )
    officer.fill("Why has the case closed?", "")
    officer.submit("Save closure notice")
    assert officer.page.title().startswith("Error:")
    summary = officer.page.locator(".govuk-error-summary").inner_text()
    assert "Select the victim who was told" in summary
    assert "Enter the reasons the victim was given for closing the case" in summary
    narrow(officer)

    officer.choose("Marigold Featherstone")
    officer.fill("Why has the case closed?", "The noise has stopped since the tenancy warning.")
    officer.choose("By e-mail")
    officer.submit("Save closure notice")
    assert "The closure notice is recorded." in officer.text()
    assert "Closure notice to Marigold Featherstone (by e-mail)" in officer.text()
    assert f"Single point of contact: {officer_user.display_name}" in officer.text()
    narrow(officer)
    notice = CaseClosureNotice.objects.get()
    assert OutboxTask.objects.filter(
        task_name="asb_cases.send_closure_notice", kwargs={"notice_id": notice.pk}
    ).exists()
