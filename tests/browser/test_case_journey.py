"""A housing officer records an incident, opens a case and shares it with the police; the police
officer sees it and adds a note; a council officer does not see it."""

import datetime as dt

from django.utils import timezone

from asb_cases.models import Case


def fill_datetime(person, prefix, moment):
    local = timezone.localtime(moment)
    for part, value in (
        ("day", local.day),
        ("month", local.month),
        ("year", local.year),
        ("hour", local.hour),
        ("minute", local.minute),
    ):
        person.page.locator(f"#id_{prefix}-{part}").fill(str(value))


def test_a_case_shared_with_the_police_is_seen_by_them_and_not_by_the_council(journey, cast):
    housing = journey()
    housing.sign_in("officer@test-housing")
    housing.follow("Cases")
    housing.submit("Record an incident")

    # A first try with a mistake: the error summary, and nothing lost.
    happened = timezone.now() - dt.timedelta(days=1)
    fill_datetime(housing, "occurred_at", happened)
    housing.choose("Personal")
    housing.page.get_by_label("Type of incident").select_option(label="Noise")
    housing.page.get_by_label("How was it reported?").select_option(label="Telephone")
    housing.page.locator("#id_hate_motivated_1").check()  # No
    housing.fill("What happened?", "Music and shouting until 3am, every night this week")
    housing.fill("Address or description of the place", "9 Rowan Close")
    housing.fill("Postcode", "DL1 4QT")
    housing.fill("Reporter: first name", "Edna")
    housing.fill("Reporter: last name", "Blakelock")
    housing.choose("The person reporting it")
    housing.fill("Postcode", "NOT A POSTCODE")
    housing.submit("Record incident")
    assert housing.page.title().startswith("Error:")
    assert "Enter a real postcode" in housing.page.locator(".govuk-error-summary").inner_text()
    assert housing.page.get_by_label("Reporter: last name").input_value() == "Blakelock"

    housing.fill("Postcode", "DL1 4QT")
    housing.submit("Record incident")
    assert "The incident has been recorded" in housing.text()

    housing.submit("Open a case from this incident")
    housing.fill("Case title", "Late-night noise at Rowan Close")
    housing.choose("Medium")
    housing.submit("Open case")
    assert "has been opened" in housing.text()
    case = Case.objects.get(title="Late-night noise at Rowan Close")
    assert "Edna Blakelock" in housing.text()

    housing.submit("Share with a partner")
    housing.page.get_by_label("Share with").select_option(label="Test Police")
    housing.choose("Contribute (add notes, actions and tasks)")
    housing.choose("Yes: names, contact details and support records, as each person agreed")
    housing.fill("Why does the partner need it?", "Threats reported to the police as well")
    housing.choose("Crime and Disorder Act 1998, section 115")
    housing.submit("Share case")
    assert "The case has been shared with Test Police" in housing.text()

    police = journey()
    police.sign_in("officer@test-police")
    police.visit("/cases/")
    assert case.reference in police.text()
    police.follow(case.reference)
    police.submit("Add a note")
    police.fill("Note", "Patrol passed at 02:00; music audible from the street")
    police.choose("All agencies on the case")
    police.submit("Add note")
    assert "Your note has been added" in police.text()
    assert "Patrol passed at 02:00" in police.text()

    council = journey()
    council.sign_in("officer@test-borough")
    council.visit("/cases/")
    assert case.reference not in council.text()
    council.visit(f"/cases/?q={case.reference}")
    assert "0 cases" in council.text()
    council.visit(f"/cases/{case.uuid}/")
    assert "Page not found" in council.text()

    housing.visit(f"/cases/{case.uuid}/")
    assert "Patrol passed at 02:00" in housing.text()
