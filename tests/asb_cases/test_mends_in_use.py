"""What was found when officers used the service (issue 13, item 5), each mended."""

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from access.viewer import viewer_for
from asb_cases import services
from asb_cases.forms import CaseActionForm
from asb_cases.models import ActionType, Case, Incident, OwnershipTransfer
from asb_cases.selectors import case_people_choices, case_record_for_viewer
from tests.asb_cases.test_incidents import incident_form
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def noise_type():
    from asb_cases.models import IncidentType

    return str(IncidentType.objects.get(code="noise").pk)


# Possible duplicates: a question page first --------------------------------------------------


def test_possible_duplicates_are_asked_first_on_a_page_of_their_own(cast, noise_type):
    earlier = make_incident(
        cast.owner.officer,
        location=services.LocationInput(address="7 Larch Walk", postcode="DH1 3NJ"),
    )
    client = client_for(cast.owner.officer)
    data = incident_form(incident_type=noise_type, reporter_given_name="Ada", victim_is="none")
    page = client.post("/incidents/new/", data).content.decode()
    assert '<h1 class="govuk-heading-l">Check for existing records</h1>' in page
    assert "Nothing you entered has been lost" in page
    assert f"same:{earlier.uuid}" in page
    assert 'name="description" value="Shouting and banging on the door"' in page
    assert 'id="id_description"' not in page  # not the whole form again
    assert Incident.objects.count() == 1

    # Going back keeps what was typed.
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    back = client.post("/incidents/new/", {**carried, "change": "1"}).content.decode()
    assert 'id="id_description"' in back and "Shouting and banging on the door" in back

    # Answering records it as the officer chose.
    done = client.post("/incidents/new/", {**carried, "duplicate_choice": f"same:{earlier.uuid}"})
    assert done.status_code == 302
    assert Incident.objects.get(duplicate_of=earlier)


def test_include_the_same_incident_opens_one_case_with_both_named_once(cast):
    officer = cast.owner.officer
    first = make_incident(officer)
    second = make_incident(officer)  # the same place: a possible duplicate
    client = client_for(officer)
    from asb_cases.models import IncidentType

    form = {
        "incidents": [str(first.uuid)],
        "title": "Noise at Elm Court",
        "incident_type": IncidentType.objects.get(code="noise").pk,
        "risk_band": "standard",
        "address": "14 Elm Court",
        "postcode": "DL1 4QT",
    }
    page = client.post("/cases/new/", form).content.decode()
    assert "Include this incident in the new case" in page
    assert f"same:{second.uuid}" in page
    carried = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        carried.setdefault(name, []).append(value)
    # The incident is carried once, however many times the form went round.
    assert carried["incidents"] == [str(first.uuid)]
    response = client.post("/cases/new/", {**carried, "duplicate_choice": f"same:{second.uuid}"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert set(case.incidents.all()) == {first, second}


def test_the_open_a_case_summary_names_each_incident_once(cast):
    incident = make_incident(cast.owner.officer)
    page = (
        client_for(cast.owner.officer)
        .post(
            f"/cases/new/?incident={incident.uuid}",
            {"incidents": [str(incident.uuid), str(incident.uuid)], "title": ""},
        )
        .content.decode()
    )
    inset = re.search(r'<div class="govuk-inset-text">(.*?)</div>', page, re.S).group(1)
    assert inset.count("reported on") == 1


# Transfers --------------------------------------------------------------------------------


def test_transfers_to_decide_give_officers_the_case_and_supervisors_the_decision(cast):
    case = make_case(cast.owner.officer)
    transfer = services.case_transfer_propose(
        actor=cast.owner.officer, case=case, to_organisation=cast.partner.organisation, reason="r"
    )
    officer = client_for(cast.partner.officer)
    page = officer.get("/cases/transfers/").content.decode()
    assert f"/cases/transfers/{transfer.uuid}/" not in page
    assert f"/cases/{case.uuid}/" in page
    assert "Only a supervisor can accept or decline" in page
    page = client_for(cast.partner.supervisor).get("/cases/transfers/").content.decode()
    assert f"/cases/transfers/{transfer.uuid}/" in page


def test_accepting_a_transfer_asks_who_leads_it_rather_than_leaving_it_unowned(cast):
    case = make_case(cast.owner.officer)
    transfer = services.case_transfer_propose(
        actor=cast.owner.officer, case=case, to_organisation=cast.partner.organisation, reason="r"
    )
    client = client_for(cast.partner.supervisor)
    url = f"/cases/transfers/{transfer.uuid}/"
    page = client.get(url).content.decode()
    assert '<option value="" selected>Select the lead officer</option>' in page
    # The lead officer question is revealed under "Yes, accept the case".
    assert re.search(r'value="accept".*?govuk-radios__conditional.*?id_lead_officer', page, re.S)
    refused = client.post(url, {"decision": "accept"})
    assert "Select the lead officer, or choose to decide later" in refused.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == OwnershipTransfer.Status.PENDING
    assert client.post(url, {"decision": "accept", "lead_officer": "later"}).status_code == 302
    case.refresh_from_db()
    assert case.lead_organisation == cast.partner.organisation and case.lead_officer is None


def test_accepting_with_a_lead_officer(cast):
    case = make_case(cast.owner.officer)
    transfer = services.case_transfer_propose(
        actor=cast.owner.officer, case=case, to_organisation=cast.partner.organisation, reason="r"
    )
    client = client_for(cast.partner.supervisor)
    response = client.post(
        f"/cases/transfers/{transfer.uuid}/",
        {"decision": "accept", "lead_officer": str(cast.partner.officer.pk)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.lead_officer == cast.partner.officer


# Narrow screens, jargon, conditional questions ---------------------------------------------


def test_wide_tables_use_the_responsive_pattern(cast):
    case = make_case(cast.owner.officer)
    client = client_for(cast.owner.officer)
    for path in ("/cases/", f"/cases/{case.uuid}/", "/case-review/published-figures/"):
        page = client.get(path).content.decode()
        tables = re.findall(r'<table class="([^"]*)"', page)
        assert tables, path
        assert all("app-responsive-table" in classes for classes in tables), path
    figures = (
        Path(django_settings.BASE_DIR) / "templates/oversight/public/figures.html"
    ).read_text()
    assert 'data-label="Reviews carried out"' in figures
    assert 'data-label="Lead"' in client.get("/cases/").content.decode()


def test_officers_see_place_names_and_the_codes_only_in_details(cast):
    incident = make_incident(
        cast.owner.officer,
        location=services.LocationInput(
            address="7 Larch Walk", postcode="DH1 3NJ", latitude="54.776900", longitude="-1.574500"
        ),
    )
    from asb_cases.models import Ward

    ward = Ward.objects.get(code=incident.ward_code, year=incident.ward_year)
    page = client_for(cast.owner.officer).get(f"/incidents/{incident.uuid}/").content.decode()
    where = page[page.index(">Where<") :]
    where = where[: where.index("</dd>")]
    visible, codes = where.split('<details class="govuk-details')
    assert f"{html.escape(ward.name)} ward" in visible
    assert incident.lsoa_code not in visible and incident.ward_code not in visible
    assert incident.lsoa_code in codes and "54.776900" in codes


def test_map_references_are_in_details_on_officer_forms(cast):
    client = client_for(cast.owner.officer)
    for path in ("/incidents/new/", "/cases/new/"):
        page = client.get(path).content.decode()
        details = page[page.index('<details class="govuk-details"') :]
        details = details[: details.index("</details>")]
        for name in ("uprn", "latitude", "longitude"):
            assert f'id="id_{name}"' in details, (path, name)


def test_if_yes_questions_are_revealed_under_their_answer(cast):
    page = client_for(cast.owner.officer).get("/incidents/new/").content.decode()
    assert "If yes" not in page
    assert re.search(
        r'name="hate_motivated" value="yes".*?govuk-radios__conditional app-reveal.*?'
        r'id="id_protected_characteristic".*?name="hate_motivated" value="no"',
        page,
        re.S,
    )
    assert re.search(
        r'name="victim_is" value="other".*?app-reveal.*?id="id_victim_given_name"', page, re.S
    )
    css = (Path(django_settings.BASE_DIR) / "static/scss/app.scss").read_text()
    assert ":has(> .govuk-radios__input:not(:checked)) + .app-reveal" in css


# The timeline ------------------------------------------------------------------------------


def test_the_timeline_puts_a_tool_recorded_now_first_and_shows_tasks(cast):
    officer = cast.owner.officer
    case = make_case(officer)
    services.case_add_note(
        actor=officer, case=case, body="Spoke to the caretaker", visibility="all_agencies"
    )
    services.case_add_action(
        actor=officer,
        case=case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=timezone.now() - dt.timedelta(days=3),
    )
    services.case_add_task(
        actor=officer,
        case=case,
        title="Chase the landlord",
        due_on=timezone.localdate(),
        assignee=officer,
    )
    record = case_record_for_viewer(viewer=viewer_for(officer), case=case)
    kinds = [entry["kind"] for entry in record.timeline]
    assert kinds[:3] == ["task", "action", "note"]
    page = client_for(officer).get(f"/cases/{case.uuid}/").content.decode()
    assert "Task set: Chase the landlord" in page
    assert "Used " in page


# Tools and powers --------------------------------------------------------------------------


def test_a_tool_is_offered_against_the_perpetrators(cast):
    officer = cast.owner.officer
    victim = make_person(officer, given_name="Vera", family_name="Victim")
    perpetrator = make_person(officer, given_name="Percy", family_name="Perp")
    case = make_case(officer, incidents=[make_incident(officer, victim=victim)])
    services.case_add_person(actor=officer, case=case, person=perpetrator, role="perpetrator")
    form = CaseActionForm(people=case_people_choices(viewer=viewer_for(officer), case=case))
    choices = dict(form.fields["subject"].choices)
    assert perpetrator.pk in choices and victim.pk not in choices
    assert form.initial["subject"] == perpetrator.pk
    assert "Nobody in particular" not in str(form)
    with pytest.raises(ValidationError, match="alleged perpetrator"):
        services.case_add_action(
            actor=officer,
            case=case,
            action_type=ActionType.objects.get(code="warning-letter"),
            started_at=timezone.now(),
            subject=victim,
        )


# The API docs page -------------------------------------------------------------------------


def test_the_api_docs_page_has_no_inline_style_and_the_schema_is_built_once(cast):
    from partners.api.views import SchemaView

    client = client_for(cast.owner.admin)
    page = client.get("/api/docs/").content.decode()
    assert "<style" not in page and " style=" not in page
    assert "/static/css/api-docs.css" in page
    SchemaView._built.clear()
    assert client.get("/api/schema/").status_code == 200
    assert len(SchemaView._built) == 1
    assert client.get("/api/schema/").status_code == 200
    assert len(SchemaView._built) == 1


# make run ----------------------------------------------------------------------------------


def test_make_run_shows_the_services_own_404_page(settings):
    settings.DEBUG = True
    settings.MIDDLEWARE = ["partners.middleware.OwnNotFoundPageMiddleware", *settings.MIDDLEWARE]
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "Using the URLconf" not in page and "healthz" not in page
    settings.DEBUG_404_PAGE = True
    assert "Using the URLconf" in Client().get("/no-such-page/").content.decode()


def test_make_run_takes_the_port_from_the_environment():
    root = Path(django_settings.BASE_DIR)
    procfile = (root / "Procfile").read_text()
    assert "runserver 127.0.0.1:${PORT:-8000}" in procfile
    makefile = (root / "Makefile").read_text()
    assert "PORT ?= 8000" in makefile and "PORT=$(PORT) $(BIN)/honcho start" in makefile
    assert "PORT=8080 make run" in (root / "README.md").read_text()
    from config.settings import dev

    assert "partners.middleware.OwnNotFoundPageMiddleware" in dev.MIDDLEWARE
