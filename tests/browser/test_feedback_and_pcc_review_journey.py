"""The victim's voice in a browser: the survey link from the e-mail sent when their case
closed, its errors, the thank-you page and the reused link's page; and the public request for
a PCC review of a "threshold not met" decision. axe checks every page at desktop width and at
375 px."""

from __future__ import annotations

from community_trigger import services as case_review_services
from tests.community_trigger.conftest import apply_for
from tests.factories import make_person
from tests.feedback.helpers import survey_link_after_closing


def narrow(person) -> None:
    """Check the page again as a phone shows it."""
    person.page.set_viewport_size({"width": 375, "height": 800})
    person.check_accessibility()
    person.page.set_viewport_size({"width": 1280, "height": 900})


def test_a_victim_answers_the_survey_once(journey, cast):
    path = survey_link_after_closing(cast.owner.officer)
    victim = journey()
    victim.visit(path)
    assert "Tell us how your report was handled" in victim.text()
    narrow(victim)
    victim.submit("Send your answers")
    assert victim.page.title().startswith("Error:")
    summary = victim.page.locator(".govuk-error-summary").inner_text()
    assert "Select how satisfied you are with how your report was handled" in summary
    narrow(victim)
    victim.choose("Fairly satisfied")
    victim.choose("Partly")
    victim.choose("Not sure")
    victim.fill(
        "Is there anything else you would like to tell us? (optional)", "Quicker replies, please."
    )
    victim.submit("Send your answers")
    assert "Thank you for your feedback" in victim.text()
    narrow(victim)
    victim.visit(path)
    assert "You have already told us what you think" in victim.text()
    narrow(victim)


def test_an_applicant_asks_the_pcc_to_review_a_threshold_not_met(journey, cast):
    victim_record = make_person(
        cast.owner.officer, given_name="Mabel", family_name="Thornbury", postcode="DL1 4QT"
    )
    application = apply_for(victim_record)
    case_review_services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    if application.stage != "not_met":
        case_review_services.application_decide_discretion(
            actor=cast.champion, application=application, outcome="not_met", reasons="One report"
        )
    case_review_services.application_record_applicant_told(
        actor=cast.champion, application=application, how="letter"
    )
    applicant = journey()
    applicant.visit("/case-review/pcc-review/")
    narrow(applicant)
    applicant.submit("Ask for a review")
    assert applicant.page.title().startswith("Error:")
    narrow(applicant)
    applicant.page.get_by_label("Application reference").fill(application.reference)
    applicant.page.get_by_label("Postcode", exact=False).first.fill("DL1 4QT")
    applicant.fill("Why should the decision be reviewed?", "My reports were not all counted.")
    applicant.submit("Ask for a review")
    assert "Review requested" in applicant.text()
    narrow(applicant)
    applicant.visit("/case-review/published-figures/")
    assert "PCC reviews requested" in applicant.text()
    narrow(applicant)


def test_staff_decide_a_pcc_review_and_read_the_measures_and_feedback(journey, cast):
    from oversight import services as oversight_services
    from tests.feedback.helpers import survey_link_after_closing as close_and_link

    victim_record = make_person(
        cast.owner.officer, given_name="Mabel", family_name="Thornbury", postcode="DL1 4QT"
    )
    application = apply_for(victim_record)
    case_review_services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    if application.stage != "not_met":
        case_review_services.application_decide_discretion(
            actor=cast.champion, application=application, outcome="not_met", reasons="One report"
        )
    case_review_services.application_record_applicant_told(
        actor=cast.champion, application=application, how="letter"
    )
    oversight_services.pcc_review_request(
        actor=None, application=application, grounds="My reports were not all counted."
    )
    close_and_link(cast.owner.officer)

    pcc = journey()
    pcc.sign_in(cast.pcc.officer.username)
    pcc.visit("/pcc-reviews/")
    narrow(pcc)
    pcc.follow(application.reference)
    narrow(pcc)
    pcc.submit("Record the decision")
    assert pcc.page.title().startswith("Error:")
    narrow(pcc)
    pcc.choose("Not upheld: the decision stands")
    pcc.fill("Reasons (sent to the applicant)", "Only one report was made in six months.")
    pcc.submit("Record the decision")
    assert "Not upheld" in pcc.text()
    narrow(pcc)

    housing = journey()
    housing.sign_in(cast.owner.admin.username)
    housing.visit("/tenant-satisfaction/")
    narrow(housing)
    housing.fill("How many homes do you own or manage this year?", "not a number")
    housing.submit("Record the number of homes")
    assert housing.page.title().startswith("Error:")
    narrow(housing)
    housing.fill("How many homes do you own or manage this year?", "2000")
    housing.submit("Record the number of homes")
    assert "2000" in housing.text()
    narrow(housing)
    housing.visit("/feedback/dashboard/")
    assert "Victims' feedback" in housing.text()
    narrow(housing)
