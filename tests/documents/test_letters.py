"""Letters from versioned templates, kept on the case as PDFs, and the printable case summary
(docs/adr/0020-letters.md)."""

from __future__ import annotations

import pytest

from asb_cases import services as case_services
from documents import letters, selectors
from documents.models import Document, Letter, LetterTemplate
from documents.services import letter_values
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def perpetrator(cast, shared_case):
    person = make_person(
        cast.owner.officer, given_name="Rowan", family_name="Hollowell", address="7 Elm Court"
    )
    case_services.case_add_person(
        actor=cast.owner.officer, case=shared_case.case, person=person, role="perpetrator"
    )
    return person


def _cpn(client, case, person, **overrides):
    data = {
        "recipient": str(person.pk),
        "conduct": "Playing loud music between 11pm and 3am",
        "requirements": "Stop playing amplified music after 11pm\nKeep windows closed",
        "comply_by-day": "14",
        "comply_by-month": "12",
        "comply_by-year": "2026",
        **overrides,
    }
    return client.post(f"/cases/{case.uuid}/letters/new/cpn/", data)


def test_officer_writes_a_community_protection_notice_kept_as_a_pdf(cast, shared_case, perpetrator):
    response = _cpn(client_for(cast.owner.officer), shared_case.case, perpetrator)

    assert response.status_code == 302
    assert response.url == f"/cases/{shared_case.case.uuid}/#documents"
    letter = Letter.objects.select_related("document", "template").get()
    document = letter.document
    assert document.case == shared_case.case
    assert document.kind == Document.Kind.LETTER
    assert document.content_type == "application/pdf"
    assert document.released
    assert document.file.open("rb").read(5) == b"%PDF-"
    assert letter.template.organisation is None and letter.template.version == 1
    assert letter.recipient == perpetrator
    assert letter.fields["comply_by"] == "2026-12-14"
    assert "Keep windows closed" in letter.fields["requirements"]
    # The letter names a person as the owner holds them: kept to the owner.
    assert document.visibility == Document.Visibility.MY_ORGANISATION
    event = AuditEvent.objects.get(action="letter_create")
    assert event.detail["template_version"] == 1 and event.detail["kind"] == "cpn"
    owner = client_for(cast.owner.supervisor)
    assert owner.get(f"/documents/{document.uuid}/").status_code == 200
    assert client_for(cast.partner.officer).get(f"/documents/{document.uuid}/").status_code == 404


def test_letter_form_errors_keep_what_was_typed(cast, shared_case, perpetrator):
    response = _cpn(
        client_for(cast.owner.officer), shared_case.case, perpetrator, **{"comply_by-day": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Playing loud music between 11pm and 3am" in body
    assert not Letter.objects.exists()


def test_a_recipient_not_on_the_case_is_refused(cast, shared_case, perpetrator):
    stranger = make_person(cast.owner.officer, given_name="Not", family_name="OnTheCase")
    response = _cpn(
        client_for(cast.owner.officer), shared_case.case, perpetrator, recipient=str(stranger.pk)
    )
    assert response.status_code == 400
    assert "Select who the letter is to" in response.content.decode()
    assert not Letter.objects.exists()


def test_partner_who_may_only_view_cannot_write_letters(cast, shared_case, perpetrator):
    client = client_for(cast.partner.officer)
    assert client.get(f"/cases/{shared_case.case.uuid}/letters/new/").status_code == 403
    assert _cpn(client, shared_case.case, perpetrator).status_code == 403
    unrelated = client_for(cast.unrelated.officer)
    assert unrelated.get(f"/cases/{shared_case.case.uuid}/letters/new/cpn/").status_code == 404


def test_victim_contact_letter_names_the_single_point_of_contact(cast, shared_case):
    from access.viewer import viewer_for

    victim = shared_case.incident.victim
    viewer = viewer_for(cast.contributor.officer)
    recipients = selectors.letter_recipients(
        viewer=viewer, case=shared_case.case, kind="victim_contact"
    )
    # The council sees the owner's record of the victim through the share with people.
    assert recipients[victim.pk].level == "shared"
    values = letter_values(
        actor=cast.contributor.officer,
        case=shared_case.case,
        kind="victim_contact",
        recipient=recipients[victim.pk],
        fields={},
    )
    assert values["recipient_name"] == "Marigold Featherstone"
    assert values["spoc_name"] == cast.owner.officer.display_name
    assert values["spoc_organisation"] == "Test Housing"
    assert values["organisation"] == "Test County Council"

    response = client_for(cast.contributor.officer).post(
        f"/cases/{shared_case.case.uuid}/letters/new/victim_contact/", {"recipient": victim.pk}
    )
    assert response.status_code == 302
    assert Letter.objects.get().document.organisation == cast.contributor.organisation


def test_no_one_is_offered_whose_details_the_writer_may_not_see(cast):
    victim = make_person(cast.owner.officer, given_name="Hidden", family_name="Person")
    incident = make_incident(cast.owner.officer, victim=victim, reporter=victim)
    case = make_case(cast.owner.officer, incidents=[incident])
    from asb_cases.services import case_share_with_partner

    case_share_with_partner(
        actor=cast.owner.officer,
        case=case,
        organisation=cast.contributor.organisation,
        access_level="contribute",
        purpose="Joint working",
        legal_basis="cda_1998_s115",
        include_people=False,
    )
    client = client_for(cast.contributor.officer)
    page = client.get(f"/cases/{case.uuid}/letters/new/victim_contact/")
    assert page.status_code == 200
    assert "Hidden" not in page.content.decode()
    assert "There is nobody on this case" in page.content.decode()
    refused = client.post(
        f"/cases/{case.uuid}/letters/new/victim_contact/", {"recipient": victim.pk}
    )
    assert refused.status_code == 400
    assert not Letter.objects.exists()


def test_closure_notice_has_no_recipient_and_may_be_shared(cast, shared_case):
    response = client_for(cast.owner.officer).post(
        f"/cases/{shared_case.case.uuid}/letters/new/closure/",
        {
            "premises": "14 Elm Court, DL1 4QT",
            "conduct": "Drug dealing from the premises",
            "hearing": "Darlington Magistrates’ Court, 16 December 2026 at 10am",
            "visibility": "all_agencies",
        },
    )
    assert response.status_code == 302
    document = Letter.objects.get().document
    assert document.visibility == Document.Visibility.ALL_AGENCIES
    assert client_for(cast.partner.officer).get(f"/documents/{document.uuid}/").status_code == 200


# Templates ------------------------------------------------------------------------------------


def test_supervisor_publishes_a_new_version_used_for_the_next_letter(
    cast, shared_case, perpetrator
):
    supervisor = client_for(cast.owner.supervisor)
    response = supervisor.post(
        "/letters/templates/cpn/",
        {"subject": "Community protection notice", "body": "To {{ recipient_name }}\n\nStop."},
    )
    assert response.status_code == 302
    template = LetterTemplate.objects.get(organisation=cast.owner.organisation, kind="cpn")
    assert template.version == 1 and template.created_by == cast.owner.supervisor

    _cpn(client_for(cast.owner.officer), shared_case.case, perpetrator)
    assert Letter.objects.get().template == template
    # Another organisation still writes from the partnership's default.
    from access.viewer import viewer_for

    other = selectors.letter_template_current(
        viewer=viewer_for(cast.contributor.officer), kind="cpn"
    )
    assert other.organisation is None


def test_unknown_placeholder_is_refused(cast):
    response = client_for(cast.owner.supervisor).post(
        "/letters/templates/warning/",
        {"subject": "Warning", "body": "Dear {{ recipient_name }} {{ secret_thing }}"},
    )
    assert response.status_code == 400
    assert "These placeholders are not known: secret_thing" in response.content.decode()
    assert not LetterTemplate.objects.filter(organisation__isnull=False).exists()


def test_officer_cannot_change_templates(cast):
    client = client_for(cast.owner.officer)
    assert client.get("/letters/templates/").status_code == 200
    assert client.get("/letters/templates/cpn/").status_code == 403


def test_template_values_are_escaped_and_line_breaks_kept():
    paragraphs = letters.fill(
        "Dear {{ recipient_name }}\n\n{{ requirements }}",
        {"recipient_name": "<script>x</script>", "requirements": "One\nTwo"},
    )
    assert paragraphs == ["Dear &lt;script&gt;x&lt;/script&gt;", "One<br>Two"]


# Printable summary ----------------------------------------------------------------------------


def test_summary_leaves_own_organisation_notes_out_of_print_unless_chosen(cast, shared_case):
    case = shared_case.case
    case_services.case_add_note(
        actor=cast.owner.officer, case=case, body="Shared note", visibility="all_agencies"
    )
    case_services.case_add_note(
        actor=cast.owner.officer, case=case, body="Soft intelligence", visibility="my_organisation"
    )
    owner = client_for(cast.owner.officer)

    page = owner.get(f"/cases/{case.uuid}/summary/").content.decode()
    assert 'class="app-summary"' in page
    assert "app-summary__own-note" in page and "Soft intelligence" in page
    chosen = owner.get(f"/cases/{case.uuid}/summary/?own_notes=yes").content.decode()
    assert 'class="app-summary app-summary--with-own-notes"' in chosen

    partner = client_for(cast.partner.officer).get(f"/cases/{case.uuid}/summary/")
    assert "Shared note" in partner.content.decode()
    assert "Soft intelligence" not in partner.content.decode()
    assert client_for(cast.unrelated.officer).get(f"/cases/{case.uuid}/summary/").status_code == 404
    assert AuditEvent.objects.filter(action="case_summary_view").count() == 3


def test_print_stylesheet_hides_buttons_and_own_notes():
    from pathlib import Path

    from django.conf import settings

    scss = (Path(settings.BASE_DIR) / "static" / "scss" / "app.scss").read_text()
    print_rules = scss.split("// Printable case summary")[1]
    assert ".govuk-button," in print_rules
    assert ".app-summary .app-summary__own-note {\n    display: none;" in print_rules
    assert (
        ".app-summary--with-own-notes .app-summary__own-note {\n    display: block;" in print_rules
    )
