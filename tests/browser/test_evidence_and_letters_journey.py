"""A housing officer adds evidence to a case shared with the police and writes a closure notice
on it; the police officer downloads both; a council officer the case is not shared with gets
"Page not found" for the same file. axe checks every page at desktop width and at 375 px."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from asb_cases.services import case_add_note
from documents.models import Document
from tests.factories import make_case, make_incident, make_person, share_case


def narrow(person) -> None:
    """Check the page again as a phone shows it."""
    person.page.set_viewport_size({"width": 375, "height": 800})
    person.check_accessibility()
    person.page.set_viewport_size({"width": 1280, "height": 900})


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def test_evidence_and_a_letter_reach_the_police_and_not_the_council(
    journey, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_SCANNER = "none"
    victim = make_person(cast.owner.officer, given_name="Marigold", family_name="Featherstone")
    incident = make_incident(cast.owner.officer, victim=victim, reporter=victim)
    case = make_case(cast.owner.officer, incidents=[incident], title="Threats on Elm Court")
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    case_add_note(
        actor=cast.owner.officer,
        case=case,
        body="Tenancy officer's own view of the household",
        visibility="my_organisation",
    )

    housing = journey()
    housing.sign_in("officer@test-housing")
    housing.visit(f"/cases/{case.uuid}/")
    housing.submit("Add evidence")
    narrow(housing)

    # A first try with no file: the error summary, and the title kept.
    housing.fill("Title", "Photo of the damaged door")
    housing.choose("All agencies on the case")
    housing.submit("Upload file")
    assert housing.page.title().startswith("Error:")
    assert "Select a file" in housing.page.locator(".govuk-error-summary").inner_text()
    assert housing.page.get_by_label("Title", exact=True).input_value() == (
        "Photo of the damaged door"
    )
    narrow(housing)

    housing.page.get_by_label("File", exact=True).set_input_files(
        {"name": "door.png", "mimeType": "image/png", "buffer": photo()}
    )
    housing.submit("Upload file")
    assert "‘Photo of the damaged door’ has been added" in housing.text()
    assert "door.png" in housing.text()
    narrow(housing)

    housing.submit("Write a letter")
    housing.choose("Closure notice")
    housing.submit("Continue")
    narrow(housing)
    housing.fill("Premises", "14 Elm Court, DL1 4QT")
    housing.fill("The behaviour complained of", "Drug dealing from the premises at night")
    housing.fill("Magistrates’ court hearing", "Darlington Magistrates’ Court, 16 Dec at 10am")
    housing.choose("All agencies on the case")
    housing.submit("Create the letter")
    assert "The closure notice has been added" in housing.text()
    letter = Document.objects.get(kind="letter")
    evidence = Document.objects.get(kind="evidence")

    housing.follow("Printable summary")
    assert "Photo of the damaged door" in housing.text()
    narrow(housing)
    own_note = housing.page.get_by_text("Tenancy officer's own view of the household")
    assert own_note.is_visible()
    housing.page.emulate_media(media="print")
    assert not own_note.is_visible()
    assert not housing.page.get_by_role("button", name="Update").is_visible()
    housing.page.emulate_media(media="screen")
    housing.page.get_by_label("Include notes kept to Test Housing when printing").check()
    housing.submit("Update")
    housing.page.emulate_media(media="print")
    assert own_note.is_visible()
    housing.page.emulate_media(media="screen")

    police = journey()
    police.sign_in("officer@test-police")
    police.visit(f"/cases/{case.uuid}/")
    assert "Closure notice" in police.text()
    narrow(police)
    with police.page.expect_download() as download:
        police.page.get_by_role("link", name="Photo of the damaged door").click()
    assert download.value.suggested_filename == "door.png"
    assert Path(download.value.path()).read_bytes() == photo()
    with police.page.expect_download() as download:
        police.page.get_by_role("link", name="Closure notice").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")

    council = journey()
    council.sign_in("officer@test-borough")
    council.visit(f"/documents/{evidence.uuid}/")
    assert "Page not found" in council.text()
    narrow(council)
    council.visit(f"/documents/{letter.uuid}/")
    assert "Page not found" in council.text()
    assert "Photo of the damaged door" not in council.text()
