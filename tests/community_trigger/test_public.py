"""The public pages: apply without an account, follow progress by reference, add a statement,
appeal, and the published figures."""

import pytest
from django.core import mail
from django.test import Client

from asb_cases.models import IncidentType
from community_trigger.models import Application, ApplicationStatement, Stage
from partners.models import AuditEvent, LocalAuthority, OutboxTask
from tests.community_trigger.conftest import apply_for
from victims.models import Person

pytestmark = pytest.mark.django_db


def darlington() -> int:
    return LocalAuthority.objects.get(code="E06000005").pk


def form(**overrides) -> dict:
    data = {
        "relationship": "self",
        "applicant_name": "Mabel Thornbury",
        "applicant_email": "mabel@example.org",
        "victim_given_name": "Mabel",
        "victim_family_name": "Thornbury",
        "victim_date_of_birth-day": "2",
        "victim_date_of_birth-month": "6",
        "victim_date_of_birth-year": "1948",
        "problem_type": IncidentType.objects.get(code="noise").pk,
        "problem_address": "14 Elm Court",
        "problem_postcode": "dl1 4qt",
        "local_authority": "",
        "description": "Music every night",
        "hate_motivated": "no",
    }
    return data | overrides


def test_anyone_can_apply_without_an_account_and_gets_a_reference(
    cast, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/case-review/apply/", form(local_authority=darlington()))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.source == "public"
    assert application.stage == Stage.RECEIVED
    assert application.victim_name == "Mabel Thornbury"
    # Nothing of it reaches anyone's records until the ASB Champion verifies the applicant.
    assert application.victim is None and not application.is_verified
    assert not Person.objects.exists()
    assert application.problem_postcode == "DL1 4QT"
    done = client.get(response.url).content.decode()
    assert application.reference in done
    # The acknowledgement is recorded work, never lost; the threshold check waits.
    assert set(OutboxTask.objects.values_list("task_name", flat=True)) == {
        "community_trigger.application_acknowledge",
    }
    from community_trigger.services import application_acknowledge

    assert application_acknowledge(application_id=application.pk)
    assert application.reference in mail.outbox[-1].body
    assert not application_acknowledge(application_id=application.pk)  # sent once


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"applicant_name": ""}, "Enter your full name"),
        (
            {"applicant_email": "", "applicant_phone": "", "applicant_address": ""},
            "Give an e-mail address, phone number or postal address",
        ),
        ({"relationship": "family"}, "only with their agreement"),
        ({"problem_postcode": "ZZZ"}, "Enter a real postcode"),
        ({"victim_date_of_birth-year": "2999"}, "The date of birth must be in the past"),
        ({"description": ""}, "Describe the anti-social behaviour"),
        ({"impact_statement": "It affects me"}, "Select how you would like your statement used"),
    ],
)
def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(cast, overrides, message):
    response = Client().post("/case-review/apply/", form(local_authority=darlington(), **overrides))
    content = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "<title>Error:" in content
    assert message in content
    assert 'value="14 Elm Court"' in content
    assert not Application.objects.exists()


def test_someone_can_apply_for_a_victim_with_their_consent(cast):
    response = Client().post(
        "/case-review/apply/",
        form(
            local_authority=darlington(),
            relationship="family",
            victim_consents="on",
            applicant_name="Priya Thornbury",
        ),
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.relationship == "family" and application.victim_consents


def test_an_unknown_area_must_be_chosen(cast):
    response = Client().post("/case-review/apply/", form(problem_postcode="NE1 4ST"))
    assert "Select the council area" in response.content.decode()


def test_the_status_page_shows_only_the_stage_in_plain_words(cast, victim):
    application = apply_for(victim)
    response = Client().post(
        "/case-review/status/", {"reference": application.reference, "postcode": "dl14qt"}
    )
    content = response.content.decode()
    assert "We have your application" in content
    assert application.get_stage_display() not in content  # staff wording
    assert "Check the threshold" not in content
    for private in ("Thornbury", "applicant@example.org", "It keeps happening", "Mabel"):
        assert private not in content


@pytest.mark.parametrize("wrong", ["reference", "postcode"])
def test_a_wrong_reference_or_postcode_gives_nothing_away(cast, victim, wrong):
    application = apply_for(victim)
    data = {"reference": application.reference, "postcode": "DL1 4QT"}
    data[wrong] = "CR-AAAA-AAAA" if wrong == "reference" else "DL3 6ST"
    content = Client().post("/case-review/status/", data).content.decode()
    assert "We could not find an application with that reference and postcode" in content
    assert application.get_stage_display() not in content


def test_lookups_are_limited_per_address(cast, victim):
    client = Client()
    for _ in range(30):
        client.post(
            "/case-review/status/",
            {"reference": "CR-AAAA-AAAA", "postcode": "DL1 4QT"},
            REMOTE_ADDR="10.1.1.1",
        )
    blocked = client.post(
        "/case-review/status/",
        {"reference": "CR-AAAA-AAAA", "postcode": "DL1 4QT"},
        REMOTE_ADDR="10.1.1.1",
    )
    assert blocked.status_code == 429


def test_the_victim_can_add_their_own_statement(cast, victim):
    application = apply_for(victim)
    response = Client().post(
        "/case-review/statement/",
        {
            "reference": application.reference,
            "postcode": "DL1 4QT",
            "text": "I am scared in my own home.",
            "reading": "by_victim",
        },
    )
    assert response.status_code == 200
    # It stays on the application: never added to any agency's records of the person.
    statement = ApplicationStatement.objects.get()
    assert statement.source == "victim" and statement.application == application
    assert statement.text == "I am scared in my own home."
    assert not victim.statements.exists()
    assert AuditEvent.objects.filter(
        action="application_statement_add", actor_label="system:public"
    )


def test_an_appeal_needs_a_decision_first_then_is_recorded(cast, victim):
    from community_trigger import services

    application = apply_for(victim)
    data = {
        "reference": application.reference,
        "postcode": "DL1 4QT",
        "grounds": "threshold",
        "details": "My reports to the police were not counted",
    }
    early = Client().post("/case-review/appeal/", data).content.decode()
    assert "You can appeal once you have been told the outcome" in early
    services.application_evaluate(application_id=application.pk)
    services.application_decide_discretion(
        actor=cast.champion, application=application, outcome="not_met", reasons="Only one report"
    )
    response = Client().post("/case-review/appeal/", data)
    assert "Appeal received" in response.content.decode()
    assert application.appeals.get().grounds == "threshold"


def test_published_figures_are_counted_from_the_records(cast, victim):
    from community_trigger import services

    before = Client().get("/case-review/figures/").content.decode()
    assert "No applications yet" in before
    first = apply_for(victim)
    services.application_evaluate(application_id=first.pk)
    services.application_decide_discretion(
        actor=cast.champion, application=first, outcome="not_met", reasons="Not enough"
    )
    apply_for(victim)
    csv_text = Client().get("/case-review/figures.csv").content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("area,area_code,year,applications,threshold_not_met")
    assert lines[1].split(",")[3:] == ["2", "1", "0", "0"]
