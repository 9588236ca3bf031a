"""ASB Case Review applications through the API: recorded by a partner system, read back with the
threshold decision, and each incident's details only where the client's organisation sees them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community_trigger import services
from community_trigger.models import Application, Stage
from partners.models import AuditEvent
from tests.community_trigger.conftest import apply_for, at, report
from tests.factories import make_case, make_person, share_case

pytestmark = pytest.mark.django_db

CASE_REVIEWS = "/api/v1/case-reviews/"
NOW = at(2026, 11, 20, 12, 0)


def body(**overrides) -> dict:
    data = {
        "relationship": "self",
        "applicant_name": "Mabel Thornbury",
        "applicant_email": "mabel.thornbury@example.org",
        "victim_given_name": "Mabel",
        "victim_family_name": "Thornbury",
        "victim_date_of_birth": "1948-06-02",
        "problem_type": "noise",
        "problem_address": "14 Elm Court",
        "problem_postcode": "DL1 4QT",
        "local_authority": "E06000005",
        "description": "Loud music most nights since the summer.",
        "agencies_told": ["test-housing", "test-police"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def victim(cast):
    return make_person(
        cast.owner.officer,
        given_name="Mabel",
        family_name="Thornbury",
        date_of_birth=dt.date(1948, 6, 2),
        postcode="DL1 4QT",
    )


@time_machine.travel(NOW, tick=False)
def test_a_client_records_an_application_and_reads_only_the_evidence_it_may_see(
    cast, victim, owner_api
):
    report(cast.owner.officer, victim, occurred=at(2026, 8, 1, 21), description="Our account")
    report(cast.partner.officer, victim, occurred=at(2026, 9, 1, 21), description="Police only")
    report(cast.unrelated.officer, victim, occurred=at(2026, 10, 1, 21), description="Borough only")

    created = owner_api.post(CASE_REVIEWS, body())
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["stage"] == Stage.RECEIVED and data["decisions"] == []
    assert data["source"] == "staff" and data["reference"].startswith("CR-")
    assert data["clocks"][0] == {
        "label": "Check the threshold",
        "due": "2026-11-27",
        "done": False,
        "state": "due",
    }
    application = Application.objects.get(uuid=data["uuid"])
    assert application.victim == victim  # matched to the person the partnership knows
    assert application.recorded_by == owner_api.client.user

    services.application_evaluate(application_id=application.pk)
    response = owner_api.get(f"{CASE_REVIEWS}{data['uuid']}/")
    assert response.status_code == 200
    decision = response.json()["decisions"][0]
    assert decision["outcome"] == "met" and decision["route"] == "individual"
    assert decision["automatic"] is True and decision["counted"] == 3
    evidence = {line["reported_to"]: line for line in decision["evidence"]}
    assert set(evidence) == {"test-housing", "test-police", "test-borough"}
    assert evidence["test-housing"]["counted"] is True
    assert evidence["test-housing"]["incident"]["description"] == "Our account"
    # The police's and the council's incidents: a date and an agency, nothing more (not even
    # what the engine made of them: that would describe another agency's record).
    for agency in ("test-police", "test-borough"):
        assert evidence[agency]["incident"] is None
        assert evidence[agency]["finding"] is None and evidence[agency]["explanation"] is None
        assert evidence[agency]["occurred_at"]
    assert "Police only" not in response.text and "Borough only" not in response.text
    assert AuditEvent.objects.filter(
        actor=owner_api.client.user,
        action="api:case-review-detail",
        target_id=str(application.pk),
    ).exists()


@time_machine.travel(NOW, tick=False)
def test_the_champion_sees_every_incident_described(cast, victim, api_for):
    report(cast.partner.officer, victim, occurred=at(2026, 9, 1, 21), description="Police only")
    application = apply_for(victim)
    services.application_evaluate(application_id=application.pk)
    champion = api_for(cast.champion.membership.organisation, role="asb_champion")
    decision = champion.get(f"{CASE_REVIEWS}{application.uuid}/").json()["decisions"][0]
    assert decision["evidence"][0]["incident"]["description"] == "Police only"


def test_an_application_another_organisation_may_not_see_is_404_and_absent(
    cast, owner_api, unrelated_api
):
    uuid = owner_api.post(CASE_REVIEWS, body()).json()["uuid"]
    assert owner_api.get(f"{CASE_REVIEWS}{uuid}/").status_code == 200
    assert unrelated_api.get(f"{CASE_REVIEWS}{uuid}/").status_code == 404
    assert unrelated_api.get(f"{CASE_REVIEWS}{uuid}/").json()["code"] == "not_found"
    assert unrelated_api.get(CASE_REVIEWS).json()["results"] == []
    assert [r["uuid"] for r in owner_api.get(CASE_REVIEWS).json()["results"]] == [uuid]
    for bad in ("00000000-0000-0000-0000-000000000000", "nope"):
        assert owner_api.get(f"{CASE_REVIEWS}{bad}/").status_code == 404


def test_an_organisation_sees_an_application_about_a_case_shared_with_it_without_the_case_ref(
    cast, owner_api, partner_api
):
    case = make_case(cast.owner.officer)
    uuid = owner_api.post(CASE_REVIEWS, body(lead_case=str(case.uuid))).json()["uuid"]
    assert owner_api.get(f"{CASE_REVIEWS}{uuid}/").json()["lead_case"] == case.reference
    assert partner_api.get(f"{CASE_REVIEWS}{uuid}/").status_code == 404
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    assert partner_api.get(f"{CASE_REVIEWS}{uuid}/").json()["lead_case"] == case.reference


def test_a_case_the_client_cannot_see_is_refused_as_if_it_did_not_exist(cast, owner_api):
    police_case = make_case(cast.partner.officer)
    response = owner_api.post(CASE_REVIEWS, body(lead_case=str(police_case.uuid)))
    assert response.status_code == 400
    assert response.json()["errors"] == {"lead_case": ["No such case"]}
    assert police_case.reference not in response.text
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"relationship": "friend"}, "victim_consents"),
        ({"relationship": "cousin"}, "relationship"),
        ({"applicant_email": "", "applicant_name": "Ann"}, "applicant_email"),
        ({"applicant_email": "not-an-address"}, "applicant_email"),
        ({"problem_type": "dragons"}, "problem_type"),
        ({"problem_postcode": "NOT A POSTCODE"}, "problem_postcode"),
        ({"local_authority": "E99999999"}, "local_authority"),
        ({"agencies_told": ["no-such-agency"]}, "agencies_told"),
        ({"victim_date_of_birth": "2999-01-01"}, "victim_date_of_birth"),
        ({"victim_date_of_birth": "yesterday"}, "victim_date_of_birth"),
        ({"impact_statement": "I cannot sleep."}, "reading"),
        ({"hate_motivated": "perhaps"}, "hate_motivated"),
        ({"description": 42}, "description"),
        ({"colour": "blue"}, "colour"),
        ({"lead_case": "not-a-uuid"}, "lead_case"),
    ],
)
def test_bad_input_is_a_400_with_the_field_named_and_nothing_recorded(
    cast, owner_api, overrides, field
):
    response = owner_api.post(CASE_REVIEWS, body(**overrides))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Application.objects.exists()


def test_missing_fields_and_a_body_that_is_not_an_object_are_400(cast, owner_api):
    response = owner_api.post(CASE_REVIEWS, {})
    assert response.status_code == 400
    assert {"relationship", "applicant_name", "problem_postcode"} <= set(response.json()["errors"])
    assert owner_api.post(CASE_REVIEWS, [1, 2]).status_code == 400
    assert owner_api.post(CASE_REVIEWS, b"\xff\xfe{").status_code == 400


def test_someone_applying_for_the_victim_with_consent_and_a_statement(cast, owner_api):
    response = owner_api.post(
        CASE_REVIEWS,
        body(
            relationship="family",
            victim_consents=True,
            applicant_name="Joan Thornbury",
            impact_statement="My mother is afraid to leave the house.",
            reading="for_victim",
        ),
    )
    assert response.status_code == 201, response.json()
    application = Application.objects.get(uuid=response.json()["uuid"])
    assert application.relationship == "family" and application.victim_consents
    # The statement stays on the application, not in any agency's records of the person.
    assert application.statements.get().text == "My mother is afraid to leave the house."
    assert not application.victim.statements.exists()


def test_an_analyst_client_cannot_read_or_record_applications(cast, api_for):
    analyst = api_for(cast.owner.organisation, role="analyst")
    assert analyst.get(CASE_REVIEWS).status_code == 403
    assert analyst.post(CASE_REVIEWS, body()).status_code == 403


def test_filters_and_a_sync_by_updated_since(cast, owner_api):
    first = owner_api.post(CASE_REVIEWS, body()).json()
    Application.objects.filter(uuid=first["uuid"]).update(stage=Stage.REVIEW)
    # No council area given, and none known for the postcode: the client is asked for it.
    unknown = owner_api.post(CASE_REVIEWS, body(problem_postcode="DH1 3HP", local_authority=""))
    assert unknown.status_code == 400 and "local_authority" in unknown.json()["errors"]
    second = owner_api.post(
        CASE_REVIEWS, body(problem_postcode="DH1 3HP", local_authority="e06000047")
    ).json()
    assert second["local_authority"] == "E06000047"
    assert [
        r["uuid"] for r in owner_api.get(CASE_REVIEWS, {"stage": "review"}).json()["results"]
    ] == [first["uuid"]]
    durham = owner_api.get(CASE_REVIEWS, {"local_authority": "E06000047"}).json()["results"]
    assert [r["uuid"] for r in durham] == [second["uuid"]]
    later = owner_api.get(CASE_REVIEWS, {"updated_since": second["updated_at"]}).json()["results"]
    assert second["uuid"] in [r["uuid"] for r in later]
    assert owner_api.get(CASE_REVIEWS, {"stage": "nonsense"}).status_code == 400
    bad_order = owner_api.get(
        CASE_REVIEWS,
        {"received_from": "2026-02-01T00:00:00Z", "received_to": "2026-01-01T00:00:00Z"},
    )
    assert bad_order.status_code == 400 and "received_to" in bad_order.json()["errors"]


def test_the_list_takes_the_same_number_of_queries_however_many_applications(cast, owner_api):
    owner_api.post(CASE_REVIEWS, body(lead_case=str(make_case(cast.owner.officer).uuid)))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_api.get(CASE_REVIEWS).status_code == 200
        return len(queries)

    owner_api.get(CASE_REVIEWS)  # the first call of the minute also stamps last_used_at
    few = count()
    for _ in range(5):
        owner_api.post(CASE_REVIEWS, body(lead_case=str(make_case(cast.owner.officer).uuid)))
        owner_api.post(CASE_REVIEWS, body())
    assert len(owner_api.get(CASE_REVIEWS).json()["results"]) == 11
    assert count() == few


@time_machine.travel(NOW, tick=False)
def test_the_api_gives_the_champion_the_same_rows_and_routes(cast, victim, api_for):
    for agency, month in ((cast.owner, 8), (cast.partner, 9), (cast.unrelated, 10)):
        report(agency.officer, victim, occurred=at(2026, month, 1, 21))
    neighbour = make_person(cast.partner.officer, given_name="Ned", family_name="Other")
    report(
        cast.partner.officer,
        neighbour,
        occurred=at(2026, 10, 5, 21),
        type_code="drugs",
        description="Neighbour's private account",
    )
    application = apply_for(victim)
    services.application_evaluate(application_id=application.pk)
    champion = api_for(cast.champion.membership.organisation, role="asb_champion")
    response = champion.get(f"/api/v1/case-reviews/{application.uuid}/")
    decision = response.json()["decisions"][0]
    counted = [line for line in decision["evidence"] if line["counted"]]
    assert len(counted) == decision["counted"] == 3
    assert all("individual" in line["routes"] for line in counted)
    other = [line for line in decision["evidence"] if line["finding"] == "someone_else"]
    assert len(other) == 1 and other[0]["routes"] == [] and other[0]["incident"] is None
    assert "private account" not in response.text
