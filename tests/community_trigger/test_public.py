"""The public pages: apply without an account, follow progress by reference, add a statement,
appeal, and the published figures."""

import pytest
from django.test import Client

from community_trigger.models import ApplicationStatement
from partners.models import AuditEvent
from tests.community_trigger.conftest import apply_for

pytestmark = pytest.mark.django_db


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

    old = Client().get("/case-review/figures/")
    assert old.status_code == 301 and old["Location"] == "/case-review/published-figures/"
    before = Client().get("/case-review/figures/", follow=True).content.decode()
    assert "No applications yet" in before
    first = apply_for(victim)
    services.application_evaluate(application_id=first.pk)
    services.application_decide_discretion(
        actor=cast.champion, application=first, outcome="not_met", reasons="Not enough"
    )
    apply_for(victim)
    csv_text = Client().get("/case-review/figures.csv", follow=True).content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("area,area_code,year,applications_received,threshold_not_met")
    assert lines[1].split(",")[3:7] == ["2", "1", "0", "0"]
