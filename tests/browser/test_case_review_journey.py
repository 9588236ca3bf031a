"""A member of the public applies for an ASB Case Review; the threshold engine (a real worker)
decides; the ASB Champion sees the decision, arranges the meeting, records recommendations
agreed with the victim; the published figures change."""

import datetime as dt
import time

from django.utils import timezone

from community_trigger.models import Application, Stage
from tests.browser.test_case_journey import fill_datetime
from tests.browser.test_case_review_apply_journey import apply_online
from tests.community_trigger.conftest import report
from tests.factories import make_person


def wait_for(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_public_application_becomes_a_review_with_an_action_plan(
    journey, cast, celery_worker_process
):
    mabel = make_person(
        cast.owner.officer,
        given_name="Mabel",
        family_name="Thornbury",
        date_of_birth=dt.date(1948, 6, 2),
        postcode="DL1 4QT",
    )
    now = timezone.now()
    for days, officer in (
        (50, cast.owner.officer),
        (30, cast.partner.officer),
        (10, cast.unrelated.officer),
    ):
        report(officer, mabel, occurred=now - dt.timedelta(days=days))

    public = journey()
    public.visit("/case-review/published-figures/")
    assert "No applications yet" in public.text()
    public.visit("/case-review/")
    apply_online(public)
    public.submit("Accept and send")
    assert "Application received" in public.text()
    reference = Application.objects.get().reference
    assert reference in public.text()
    # Nothing is looked up until the ASB Champion has verified the applicant.
    assert Application.objects.get().victim is None

    champion = journey()
    champion.sign_in("champion@test-opcc")
    champion.follow("Case Reviews")
    champion.follow(reference)
    assert "Applicant not yet verified" in champion.text()
    champion.follow("Verify the applicant")
    champion.check_accessibility()
    champion.page.get_by_label(
        "I have confirmed who the applicant is, and that the victim agrees to the application "
        "if someone else made it"
    ).check()
    champion.page.locator(f"input[name=person][value='{mabel.uuid}']").check()
    champion.submit("Verify and check the threshold")
    assert "The applicant is verified" in champion.text()
    assert wait_for(lambda: Application.objects.get().stage == Stage.REVIEW)
    champion.page.reload()
    assert "Threshold met: complaints about the same problem" in champion.text()
    assert "Counted" in champion.text()
    champion.submit("Arrange the meeting")
    fill_datetime(champion, "scheduled_for", timezone.now() + dt.timedelta(days=7))
    champion.fill("Where, or how to join", "Darlington Town Hall, committee room 2")
    champion.choose("Test Housing")
    champion.choose("Test Police")
    champion.fill("Independent chair's name and role", "Jo Mills, County Durham Fire Service")
    champion.choose("The victim's impact statement will be read")
    champion.submit("Arrange meeting")
    assert "The meeting is arranged" in champion.text()

    champion.follow("Agenda pack")
    assert "I cannot sleep and I am frightened." in champion.text()
    champion.page.go_back()
    champion.check_accessibility()

    champion.follow("Record the meeting as held")
    fill_datetime(champion, "held_at", timezone.now() - dt.timedelta(hours=1))
    champion.fill("Minutes", "The agencies reviewed the response and agreed a plan.")
    champion.submit("Save minutes")
    champion.submit("Add a recommendation")
    champion.fill("Recommendation", "Police and housing to visit the tenant together")
    champion.page.get_by_label("Lead agency").select_option(label="Test Police")
    champion.fill("Lead person", "PC Hall")
    due = timezone.localdate() + dt.timedelta(days=21)
    for part, value in (("day", due.day), ("month", due.month), ("year", due.year)):
        champion.page.locator(f"#id_due_on-{part}").fill(str(value))
    champion.submit("Add recommendation")
    champion.submit("Consult the victim on the plan")
    champion.fill(
        "What did the victim say about the draft action plan?",
        "Agrees, and asks to be told after the visit",
    )
    champion.submit("Save")
    champion.submit("Finalise the plan and send the outcome")
    assert "the outcome has been sent" in champion.text()
    champion.follow("Outcome letter (printable)")
    assert "Police and housing to visit the tenant together" in champion.text()

    public.visit("/case-review/published-figures/")
    row = public.page.locator("tbody tr").first.inner_text()
    assert "Darlington" in row
    cells = [c.strip() for c in row.split("\t")]
    # Applications, threshold not met, reviews, with recommendations (then the PCC's two).
    assert cells[2:6] == ["1", "0", "1", "1"]
