"""Subject access bundles checked field by field against the records, with third parties'
names redacted before release; refused (404) across agencies; and the who-viewed pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from asb_cases import services as case_services
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case
from victims.models import PersonDetails

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(cast):
    owner, police = cast.owner, cast.partner
    subject = make_person(
        owner.officer,
        given_name="Morgan",
        family_name="Fieldcheck",
        date_of_birth=dt.date(1979, 4, 2),
        phone="07700 900123",
        email="morgan@example.org",
        postcode="DL1 4QT",
    )
    neighbour = make_person(owner.officer, given_name="Casey", family_name="Neighbourly")
    incident = make_incident(
        owner.officer,
        victim=subject,
        description="Casey Neighbourly shouted at Morgan over the fence",
    )
    case = make_case(owner.officer, incidents=[incident], title="Fence dispute")
    case_services.case_add_person(
        actor=owner.officer, case=case, person=neighbour, role="perpetrator"
    )
    case_services.case_add_note(
        actor=owner.officer,
        case=case,
        body="Spoke to Casey about the shouting",
        visibility="my_organisation",
    )
    case_services.case_victim_contact(
        actor=owner.officer,
        case=case,
        person=subject,
        contacted_at=timezone.now() - dt.timedelta(hours=2),
        method="phone",
        summary="Morgan says Neighbourly has calmed down",
    )
    share_case(case, by=owner.officer, with_organisation=police.organisation)
    police_incident = make_incident(
        police.officer, victim=subject, description="Police-only account of the fence"
    )
    return {
        "subject": subject,
        "neighbour": neighbour,
        "incident": incident,
        "case": case,
        "police_incident": police_incident,
    }


def bundle_json(client, person, redact=True):
    response = client.get(
        f"/organisation/subject-access/{person.uuid}/bundle.json?redact={1 if redact else 0}"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return json.loads(response.content)


def test_the_bundle_carries_every_record_field_by_field(cast, held):
    subject = held["subject"]
    details = PersonDetails.objects.get(person=subject, organisation=cast.owner.organisation)
    data = bundle_json(client_for(cast.owner.admin), subject)

    assert data["organisation"] == "Test Housing" and data["person"] == str(subject.uuid)
    [record] = data["details"]
    assert record["given_name"] == details.given_name == "Morgan"
    assert record["family_name"] == details.family_name
    assert record["date_of_birth"] == "1979-04-02"
    assert record["phone"] == details.phone and record["email"] == details.email
    assert record["postcode"] == details.postcode
    assert record["consent_withdrawn_on"] == ""

    incident = held["incident"]
    [row] = data["incidents"]
    assert row["number"] == incident.pk
    assert row["as"] == "victim"
    assert row["occurred_at"] == incident.occurred_at.isoformat()
    assert row["type"] == incident.incident_type.name
    assert row["postcode"] == incident.postcode
    assert row["description"] == "[third party] shouted at Morgan over the fence"

    [case] = data["cases"]
    assert case["reference"] == held["case"].reference
    assert case["led_by_us"] is True and case["title"] == "Fence dispute"
    assert case["notes"][0]["text"] == "Spoke to [third party] about the shouting"
    assert data["risk_assessments"] == []
    [contact] = data["contacts"]
    assert contact["method"] == "Phone call"
    assert contact["summary"] == "Morgan says [third party] has calmed down"

    # The police's own incident is theirs to disclose: named, never shown.
    assert data["also_held_by"] == ["Also held by Test Police: ask them for what they hold"]
    assert "Police-only" not in json.dumps(data)
    # The trail of who in the organisation viewed the person's records.
    assert data["viewed_by_our_staff"] == [] or all(
        view["who"].endswith("@test-housing") for view in data["viewed_by_our_staff"]
    )
    export = AuditEvent.objects.get(action="subject_access_export")
    assert export.verb == "exported" and export.target_id == str(subject.pk)
    assert export.detail == {"redacted": True, "format": "json"}


def test_third_party_names_are_shown_only_when_the_admin_chooses(cast, held):
    admin = client_for(cast.owner.admin)
    data = bundle_json(admin, held["subject"], redact=False)
    assert data["incidents"][0]["description"].startswith("Casey Neighbourly shouted")
    page = admin.get(f"/organisation/subject-access/{held['subject'].uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Morgan" in html and "Casey" not in html and "[third party]" in html
    assert "Also held by Test Police" in html


@pytest.mark.parametrize("who", ["unrelated_admin", "owner_officer", "owner_supervisor"])
def test_the_bundle_is_refused_to_anyone_but_the_organisations_admin(cast, held, who):
    user = {
        "unrelated_admin": cast.unrelated.admin,
        "owner_officer": cast.owner.officer,
        "owner_supervisor": cast.owner.supervisor,
    }[who]
    client = client_for(user)
    uuid = held["subject"].uuid
    for path in (
        f"/organisation/subject-access/{uuid}/",
        f"/organisation/subject-access/{uuid}/bundle.json",
        f"/organisation/who-viewed/people/{uuid}/",
    ):
        assert client.get(path).status_code == 404, path


def test_another_agency_admin_sees_only_its_own_records(cast, held):
    data = bundle_json(client_for(cast.partner.admin), held["subject"])
    assert data["details"] == [] and data["cases"] == []
    assert [row["description"] for row in data["incidents"]] == ["Police-only account of the fence"]
    assert data["also_held_by"] == ["Also held by Test Housing: ask them for what they hold"]


def test_a_search_for_someone_the_organisation_holds_nothing_about_says_so(cast, held):
    admin = client_for(cast.owner.admin)
    response = admin.get(
        "/organisation/subject-access/",
        {"given_name": "Nobody", "family_name": "Heldhere"},
    )
    assert response.status_code == 200
    assert "holds no record of anyone with this name" in response.content.decode()
    found = admin.get(
        "/organisation/subject-access/", {"given_name": "morgan", "family_name": "FIELDCHECK"}
    )
    assert str(held["subject"].uuid) in found.content.decode()
    assert AuditEvent.objects.filter(action="subject_access_search").count() == 2


def test_bad_search_input_gets_an_error_summary(cast):
    response = client_for(cast.owner.admin).get(
        "/organisation/subject-access/", {"given_name": "", "family_name": "X"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Enter their first name" in html


def test_who_viewed_a_person_lists_own_staff_and_is_itself_audited(cast, held):
    subject = held["subject"]
    assert client_for(cast.owner.officer).get(f"/people/{subject.uuid}/").status_code == 200
    assert client_for(cast.partner.officer).get(f"/people/{subject.uuid}/").status_code == 200
    admin = client_for(cast.owner.admin)
    html = admin.get(f"/organisation/who-viewed/people/{subject.uuid}/").content.decode()
    assert "officer@test-housing" in html
    assert "officer@test-police" not in html  # another agency's staff: theirs to answer for
    filtered = admin.get(
        f"/organisation/who-viewed/people/{subject.uuid}/", {"verb": "exported"}
    ).content.decode()
    assert "officer@test-housing" not in filtered
    csv_response = admin.get(f"/organisation/who-viewed/people/{subject.uuid}/?format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = csv_response.content.decode().splitlines()
    assert rows[0].startswith("When,Who") and any("officer@test-housing" in r for r in rows)
    assert AuditEvent.objects.filter(action="who_viewed", target_id=str(subject.pk)).exists()
    assert AuditEvent.objects.filter(
        action="who_viewed_export", verb="exported", target_id=str(subject.pk)
    ).exists()


def test_who_viewed_a_case_shows_partners_to_the_lead_agency_only(cast, held):
    case = held["case"]
    assert client_for(cast.partner.officer).get(f"/cases/{case.uuid}/").status_code == 200
    assert client_for(cast.owner.officer).get(f"/cases/{case.uuid}/").status_code == 200
    lead = client_for(cast.owner.admin).get(f"/organisation/who-viewed/cases/{case.uuid}/")
    html = lead.content.decode()
    assert "officer@test-police" in html and "officer@test-housing" in html
    partner = client_for(cast.partner.admin).get(f"/organisation/who-viewed/cases/{case.uuid}/")
    html = partner.content.decode()
    assert "officer@test-police" in html and "officer@test-housing" not in html
    assert (
        client_for(cast.unrelated.admin)
        .get(f"/organisation/who-viewed/cases/{case.uuid}/")
        .status_code
        == 404
    )
    found = client_for(cast.owner.admin).get(
        "/organisation/who-viewed/", {"reference": case.reference}
    )
    assert found.status_code == 302 and found.url.endswith(f"/cases/{case.uuid}/")


def test_the_bundle_lists_the_organisations_own_documents_only(cast, held, settings, tmp_path):
    from tests.governance.test_retention_documents import make_document

    settings.MEDIA_ROOT = tmp_path / "media"
    owner, police = cast.owner, cast.partner
    own = make_document(owner.officer, title="Photo Casey took of the fence", case=held["case"])
    on_incident = make_document(owner.officer, title="Noise diary", incident=held["incident"])
    # The police's file on the shared case and on their own incident are theirs to disclose.
    make_document(police.officer, title="Police photo", case=held["case"])
    make_document(police.officer, title="Police statement", incident=held["police_incident"])
    # The owner's file on a case the person is not on is not about them.
    make_document(owner.officer, title="Unrelated file", case=make_case(owner.officer))

    data = bundle_json(client_for(cast.owner.admin), held["subject"])

    assert data["documents"] == [
        {
            "title": "Photo [third party] took of the fence",
            "kind": "Evidence",
            "added_on": own.created_at.isoformat(),
            "record": f"Case {held['case'].reference}",
            "file_name": "evidence.txt",
            "description": "",
        },
        {
            "title": "Noise diary",
            "kind": "Evidence",
            "added_on": on_incident.created_at.isoformat(),
            "record": f"Incident {held['incident'].pk}",
            "file_name": "evidence.txt",
            "description": "",
        },
    ]
    assert "Police" not in json.dumps(data["documents"])
    page = client_for(cast.owner.admin).get(f"/organisation/subject-access/{held['subject'].uuid}/")
    html = page.content.decode()
    assert "Evidence and letters" in html and "Noise diary" in html
    assert "Police photo" not in html and "Unrelated file" not in html
    # The police's admin sees their own files, never the owner's.
    police_data = bundle_json(client_for(police.admin), held["subject"])
    titles = [row["title"] for row in police_data["documents"]]
    assert "Police statement" in titles and "Noise diary" not in titles


def pdf_text(content: bytes, tmp_path) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "bundle.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_bundle_as_a_pdf_carries_the_records_redacted_and_is_audited(cast, held, tmp_path):
    admin = client_for(cast.owner.admin)
    subject = held["subject"]

    response = admin.get(f"/organisation/subject-access/{subject.uuid}/bundle.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="subject-access-{subject.uuid}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Subject access bundle" in text and "Test Housing" in text
    assert "Morgan" in text and "Fieldcheck" in text and "07700 900123" in text
    assert held["case"].reference in text and "Fence dispute" in text
    assert "[third party] shouted at Morgan over the fence" in text
    assert "Casey" not in text and "Neighbourly" not in text
    assert "Also held by Test Police: ask them for what they hold" in text
    assert "Police-only" not in text
    export = AuditEvent.objects.get(action="subject_access_export")
    assert export.detail == {"redacted": True, "format": "pdf"}

    unredacted = admin.get(f"/organisation/subject-access/{subject.uuid}/bundle.pdf?redact=0")
    assert "Casey Neighbourly shouted" in " ".join(pdf_text(unredacted.content, tmp_path).split())


@pytest.mark.parametrize("who", ["unrelated_admin", "owner_officer", "partner_admin"])
def test_the_pdf_is_refused_to_anyone_but_the_organisations_admin(cast, held, who):
    agency, role = who.split("_")
    user = getattr(getattr(cast, agency), role)
    subject = held["subject"] if who != "partner_admin" else make_person(cast.owner.officer)

    response = client_for(user).get(f"/organisation/subject-access/{subject.uuid}/bundle.pdf")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="subject_access_export").exists()


def test_pdfs_made_here_fetch_nothing():
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from documents.letters import pdf_from_html

    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        pdf = pdf_from_html(
            f'<link rel="stylesheet" href="{url}/style.css"><img src="{url}/pixel.png">'
            f'<p style="background: url({url}/bg.png)">Hello</p>'
        )
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF-")
    assert asked == []
