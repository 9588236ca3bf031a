"""A council officer records a victim already known to the police and a housing association,
sees the signpost and the repeat flag — never the other agencies' record of her — and completes
a risk assessment."""

import datetime as dt

from django.utils import timezone

from asb_cases.models import RiskAssessment
from tests.browser.test_case_journey import fill_datetime
from tests.factories import make_case, make_incident, make_person
from victims.models import Person


def test_a_known_victim_is_recognised_across_agencies_and_assessed(journey, cast):
    ivy = make_person(
        cast.owner.officer,
        given_name="Ivy",
        family_name="Lonsdale",
        date_of_birth=dt.date(1961, 5, 4),
        postcode="DH1 3NJ",
    )
    make_case(cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=ivy)])
    make_incident(cast.partner.officer, victim=ivy)  # the police know her too

    council = journey()
    council.sign_in("officer@test-council")
    council.visit("/incidents/new/")
    fill_datetime(council, "occurred_at", timezone.now() - dt.timedelta(days=1))
    council.choose("Personal")
    council.page.get_by_label("Type of incident").select_option(
        label="Verbal abuse or intimidation"
    )
    council.page.get_by_label("How was it reported?").select_option(label="Telephone")
    council.page.locator("#id_hate_motivated_1").check()
    council.fill("What happened?", "Youths shouting abuse at her window")
    council.fill("Address or description of the place", "7 Larch Walk")
    council.fill("Postcode", "DH1 3NJ")
    council.fill("Reporter: first name", "ivy")  # typed differently from the stored record
    council.fill("Reporter: last name", "Lonsdael")
    for part, value in (("day", "4"), ("month", "5"), ("year", "1961")):
        council.page.locator(f"#id_reporter_date_of_birth-{part}").fill(value)
    council.choose("The person reporting it")
    council.submit("Record incident")

    panel = council.page.locator("fieldset", has_text="someone the partnership already knows")
    # The match is shown as a signpost and the reasons, never the stored record.
    assert "A person known to 2 agencies" in panel.inner_text()
    assert "Known to 2 agencies" in panel.inner_text()
    assert "Test Housing" in panel.inner_text()
    assert "similar surname" in panel.inner_text()
    assert "Lonsdale" not in council.page.content()
    # The question comes first, on a page of its own, before anything is recorded.
    assert council.page.locator("h1").inner_text() == "Check for existing records"
    council.page.get_by_label("A person known to 2 agencies").check()
    council.submit("Continue")
    assert "The incident has been recorded" in council.text()
    assert Person.objects.count() == 1  # not keyed again
    # The council keeps what it typed as its own record of her.
    assert ivy.details.get(organisation=cast.contributor.organisation).family_name == "Lonsdael"

    council.submit("Open a case from this incident")
    council.fill("Case title", "Abuse at Larch Walk")
    council.submit("Open case")
    council.follow("ivy Lonsdael")
    assert "Repeat victim" in council.text()
    assert "3 incidents to 3 agencies" in council.text()
    assert "Lonsdale" not in council.page.content()

    council.follow("The person's page, with the agencies that know them")
    signpost = council.page.locator(".app-signpost").inner_text()
    assert "Known to 3 partner agencies" in signpost
    assert "Test Police" in signpost and "Test Housing" in signpost
    council.page.go_back()
    council.check_accessibility()

    council.submit("Assess risk")
    radios = council.page.locator("input[type=radio][value=no]")
    for index in range(radios.count()):
        radios.nth(index).check()
    council.page.locator("input[type=radio][value=yes]").nth(0).check()
    council.page.locator("input[type=radio][value=yes]").nth(5).check()
    council.page.locator("input[type=radio][value=yes]").nth(7).check()
    council.submit("Save assessment")
    assert "Risk assessed as" in council.text()
    assessment = RiskAssessment.objects.get()
    assert assessment.person == ivy
    assert "Score" in council.text()
