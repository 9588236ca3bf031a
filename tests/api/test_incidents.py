"""Incidents through the API: create, idempotent upsert by external_ref, bad input, list and
retrieve within the organisation's scope, and bulk import with partial failure."""

from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.viewer import viewer_for
from asb_cases import selectors
from asb_cases.models import Incident
from partners.models import AuditEvent
from tests.api.conftest import incident_body
from tests.factories import make_case, make_incident, share_case

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
BULK = "/api/v1/incidents/bulk/"


def _incidents_of(organisation):
    return selectors.incident_list_for_viewer(
        viewer=viewer_for(organisation.memberships.filter(role="case_officer").first().user),
        own_only=True,
    )


def test_posting_an_incident_records_it_and_derives_its_areas(cast, owner_api):
    response = owner_api.post(INCIDENTS, incident_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == "created"
    assert body["reported_to"] == "test-housing"
    assert body["channel"] == "partner_system"
    assert body["location"]["postcode"] == "DL1 4QT"
    assert body["location"]["lsoa_code"].startswith("E01")
    assert body["location"]["local_authority"] == "E06000005"
    assert body["reporter"] and body["victim"] == body["reporter"]


def test_posting_the_same_external_ref_again_updates_rather_than_duplicates(cast, owner_api):
    first = owner_api.post(INCIDENTS, incident_body()).json()
    again = owner_api.post(INCIDENTS, incident_body(description="Loud music until 3am."))
    assert again.status_code == 200
    body = again.json()
    assert body["outcome"] == "updated"
    assert body["uuid"] == first["uuid"]
    assert body["changed"] == ["description"]
    assert body["reporter"] == first["reporter"], "the same reporter, not a new person"
    assert _incidents_of(cast.owner.organisation).filter(external_ref="CRM-1").count() == 1
    unchanged = owner_api.post(INCIDENTS, incident_body(description="Loud music until 3am."))
    assert unchanged.status_code == 200
    assert unchanged.json()["changed"] == []


def test_the_same_reference_from_another_organisation_is_its_own_incident(
    cast, owner_api, partner_api
):
    ours = owner_api.post(INCIDENTS, incident_body()).json()
    theirs = partner_api.post(INCIDENTS, incident_body()).json()
    assert theirs["outcome"] == "created"
    assert theirs["uuid"] != ours["uuid"]


def test_a_reporter_is_matched_only_on_the_same_name_and_date_of_birth(cast, owner_api):
    first = owner_api.post(INCIDENTS, incident_body("A")).json()
    same = owner_api.post(
        INCIDENTS,
        incident_body(
            "B",
            reporter={
                "given_name": " robin ",
                "family_name": "FICTIONAL",
                "date_of_birth": "1981-02-03",
            },
        ),
    ).json()
    other_birthday = owner_api.post(
        INCIDENTS,
        incident_body(
            "C",
            reporter={
                "given_name": "Robin",
                "family_name": "Fictional",
                "date_of_birth": "1981-02-04",
            },
        ),
    ).json()
    no_birthday = owner_api.post(
        INCIDENTS, incident_body("D", reporter={"given_name": "Robin", "family_name": "Fictional"})
    ).json()
    assert same["reporter"] == first["reporter"]
    assert other_birthday["reporter"] != first["reporter"]
    assert no_birthday["reporter"] not in (first["reporter"], other_birthday["reporter"])


def test_an_anonymous_report_has_no_reporter(cast, owner_api):
    body = incident_body(anonymous=True, victim=None)
    del body["reporter"]
    response = owner_api.post(INCIDENTS, body)
    assert response.status_code == 201, response.json()
    assert response.json()["reporter"] is None and response.json()["anonymous"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"category": "loud"}, "category"),
        ({"incident_type": "not-a-type"}, "incident_type"),
        ({"hate_motivated": "perhaps"}, "hate_motivated"),
        ({"hate_motivated": True}, "protected_characteristic"),
        ({"reported_at": "2026-01-09T09:00:00Z"}, "reported_at"),
        (
            {"occurred_at": "2999-01-01T00:00:00Z", "reported_at": "2999-01-02T00:00:00Z"},
            "occurred_at",
        ),
        ({"description": 42}, "description"),
        ({"location": {"postcode": "NOT A POSTCODE"}}, "location"),
        ({"location": {"latitude": "54.5"}}, "location"),
        ({"location": "14 Elm Court"}, "location"),
        ({"reporter": {"given_name": "Robin"}}, "reporter"),
        ({"reporter": None}, "reporter"),
        ({"anonymous": True}, "reporter"),
        ({"victim": "someone"}, "victim"),
        ({"colour": "blue"}, "colour"),
        ({"external_ref": "   "}, "external_ref"),
        ({"external_ref": "x" * 101}, "external_ref"),
    ],
)
def test_bad_input_is_a_400_with_the_field_named(cast, owner_api, change, field):
    response = owner_api.post(INCIDENTS, incident_body(**change))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert not _incidents_of(cast.owner.organisation).exists()


@pytest.mark.parametrize("missing", ["external_ref", "occurred_at", "category", "description"])
def test_a_missing_field_is_named(cast, owner_api, missing):
    body = incident_body()
    del body[missing]
    response = owner_api.post(INCIDENTS, body)
    assert response.status_code == 400
    assert missing in response.json()["errors"]


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"external_ref": "\xff\xfe"}',
        b'{"external_ref": "\\ud800"}',
        b'{"latitude": NaN}',
        b"[" * 100000,
        b"",
        b'"just a string"',
        b"[]",
    ],
)
def test_malformed_bodies_are_a_400_not_a_500(cast, owner_api, raw):
    response = owner_api.post(INCIDENTS, raw)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_an_oversized_body_is_refused_with_a_clear_json_error(cast, owner_api, settings):
    settings.API_MAX_REQUEST_BYTES = 10_000
    response = owner_api.post(INCIDENTS, incident_body(description="x" * 20_000))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_body_that_is_not_json_is_a_415(cast, owner_api):
    response = owner_api.http.post(INCIDENTS, {"external_ref": "A"})  # a form
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_an_analyst_client_cannot_record_incidents(cast, api_for):
    analyst = api_for(cast.owner.organisation, role="analyst")
    assert analyst.post(INCIDENTS, incident_body()).status_code == 403
    assert analyst.get(INCIDENTS).status_code == 403


def test_list_shows_own_and_shared_incidents_only(cast, owner_api, partner_api, unrelated_api):
    ours = owner_api.post(INCIDENTS, incident_body("OURS")).json()
    shared_incident = make_incident(cast.owner.officer)
    share_case(
        make_case(cast.owner.officer, incidents=[shared_incident]),
        by=cast.owner.officer,
        with_organisation=cast.partner.organisation,
    )
    seen_by_partner = {row["uuid"] for row in partner_api.get(INCIDENTS).json()["results"]}
    assert seen_by_partner == {str(shared_incident.uuid)}
    assert unrelated_api.get(INCIDENTS).json()["results"] == []
    seen_by_owner = {row["uuid"] for row in owner_api.get(INCIDENTS).json()["results"]}
    assert {ours["uuid"], str(shared_incident.uuid)} <= seen_by_owner


def test_retrieve_answers_404_to_an_agency_that_cannot_see_the_incident(
    cast, owner_api, unrelated_api
):
    created = owner_api.post(INCIDENTS, incident_body()).json()
    assert owner_api.get(f"{INCIDENTS}{created['uuid']}/").json()["uuid"] == created["uuid"]
    hidden = unrelated_api.get(f"{INCIDENTS}{created['uuid']}/")
    missing = unrelated_api.get(f"{INCIDENTS}00000000-0000-0000-0000-000000000000/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert unrelated_api.get(f"{INCIDENTS}not-a-uuid/").status_code == 404


def test_filters_narrow_the_list_and_updated_since_syncs(cast, owner_api):
    owner_api.post(
        INCIDENTS, incident_body("A", incident_type="graffiti", category="environmental")
    )
    owner_api.post(INCIDENTS, incident_body("B"))
    by_type = owner_api.get(INCIDENTS, {"incident_type": "graffiti"}).json()["results"]
    assert [row["external_ref"] for row in by_type] == ["A"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).isoformat()
    assert owner_api.get(INCIDENTS, {"updated_since": later}).json()["results"] == []
    owner_api.post(INCIDENTS, incident_body("B", description="Changed"))
    assert (
        owner_api.get(INCIDENTS, {"updated_since": "2000-01-01T00:00:00Z", "own": "true"}).json()[
            "results"
        ][0]["external_ref"]
        == "B"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"updated_since": "last week"},
        {"category": "loud"},
        {"occurred_from": "2026-02-01T00:00:00Z", "occurred_to": "2026-01-01T00:00:00Z"},
        {"cursor": "garbage"},
    ],
)
def test_bad_filters_are_a_400(cast, owner_api, params):
    response = owner_api.get(INCIDENTS, params)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_list_pages_with_a_cursor(cast, owner_api):
    for number in range(5):
        owner_api.post(INCIDENTS, incident_body(f"P{number}"))
    first = owner_api.get(INCIDENTS, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = owner_api.http.get(first["next"]).json()
    assert {r["uuid"] for r in first["results"]}.isdisjoint({r["uuid"] for r in second["results"]})


def test_the_list_takes_the_same_number_of_queries_however_many_rows(cast, owner_api):
    owner_api.post(INCIDENTS, incident_body("Q0"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_api.get(INCIDENTS).status_code == 200
        return len(queries)

    few = count()
    owner_api.post(BULK, {"incidents": [incident_body(f"Q{n}") for n in range(1, 20)]})
    assert count() == few


# Bulk ------------------------------------------------------------------------------------------


def test_bulk_reports_each_outcome_and_keeps_the_good_ones(cast, owner_api):
    owner_api.post(INCIDENTS, incident_body("EXISTING"))
    items = [
        incident_body("NEW-1"),
        incident_body("BAD-TYPE", incident_type="not-a-type"),
        incident_body("EXISTING", description="Updated by the bulk import"),
        incident_body("BAD-DATES", reported_at="2020-01-01T00:00:00Z"),
        "not an object",
        incident_body("NEW-2", anonymous=True, reporter=None, victim=None),
    ]
    response = owner_api.post(BULK, {"incidents": items})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["errors"]) == (2, 1, 3)
    outcomes = [(r["index"], r["external_ref"], r["outcome"]) for r in body["results"]]
    assert outcomes == [
        (0, "NEW-1", "created"),
        (1, "BAD-TYPE", "error"),
        (2, "EXISTING", "updated"),
        (3, "BAD-DATES", "error"),
        (4, None, "error"),
        (5, "NEW-2", "created"),
    ]
    assert "incident_type" in body["results"][1]["errors"]
    assert "reported_at" in body["results"][3]["errors"]
    refs = set(_incidents_of(cast.owner.organisation).values_list("external_ref", flat=True))
    assert refs == {"EXISTING", "NEW-1", "NEW-2"}


def test_a_reference_taken_meanwhile_fails_alone(cast, owner_api, monkeypatch):
    """Another request records one of the batch's references between the check and the write:
    the batch's single insert fails, and the items are then written one at a time, so only
    that one is reported and the others are kept."""
    from asb_cases import services

    original = services._ImportBatch.write

    def racing(self):
        services.victim_services.people_create(actor=self.actor, details=self.people)
        self.people = []
        for incident in self.incidents.values():
            if incident.external_ref == "BOOM":
                rival = copy.copy(incident)
                rival.uuid = uuid.uuid4()
                Incident.objects.bulk_create([rival])
        return original(self)

    monkeypatch.setattr(services._ImportBatch, "write", racing)
    body = owner_api.post(
        BULK, {"incidents": [incident_body("ONE"), incident_body("BOOM"), incident_body("TWO")]}
    ).json()
    assert [r["outcome"] for r in body["results"]] == ["created", "error", "created"]
    assert body["results"][1]["errors"] == {
        "external_ref": ["Another request recorded this reference: retry"]
    }
    refs = list(_incidents_of(cast.owner.organisation).values_list("external_ref", flat=True))
    assert sorted(refs) == ["BOOM", "ONE", "TWO"]
    recorded = AuditEvent.objects.filter(action="incident_record")
    assert sorted(event.detail["external_ref"] for event in recorded) == ["ONE", "TWO"]


def test_the_same_new_reporter_twice_in_one_batch_is_one_person(cast, owner_api):
    body = owner_api.post(BULK, {"incidents": [incident_body("X1"), incident_body("X2")]}).json()
    uuids = [r["incident"] for r in body["results"]]
    reporters = {owner_api.get(f"{INCIDENTS}{u}/").json()["reporter"] for u in uuids}
    assert len(reporters) == 1


def test_a_reference_sent_twice_in_one_batch_is_recorded_then_updated(cast, owner_api):
    """The second item updates the first; a new person named by the first is saved before
    the update names them again."""
    someone_new = {
        "given_name": "Peregrine",
        "family_name": "Unlikely",
        "date_of_birth": "1990-05-06",
    }
    items = [
        incident_body("TWICE", reporter=someone_new),
        incident_body("OTHER"),
        incident_body("TWICE", reporter=someone_new, description="Second thoughts"),
    ]
    body = owner_api.post(BULK, {"incidents": items}).json()
    assert [r["outcome"] for r in body["results"]] == ["created", "created", "updated"]
    assert body["results"][2]["changed"] == ["description"]
    incident = Incident.objects.get(external_ref="TWICE")
    assert incident.description == "Second thoughts"
    assert incident.reporter.details.get().family_name == "Unlikely"


def test_a_bulk_import_takes_the_same_number_of_queries_however_many_incidents(cast, owner_api):
    def queries(count: int, run: str) -> int:
        items = [
            incident_body(
                f"{run}-{n}",
                reporter={"given_name": "New", "family_name": f"Person{run}{n}"},
            )
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            response = owner_api.post(BULK, {"incidents": items})
        assert response.json()["created"] == count
        return len(captured)

    queries(2, "warm")  # the first request reads the geography and reference data
    assert queries(5, "few") == queries(40, "many")


@pytest.mark.parametrize(
    "envelope",
    [{"incidents": []}, {"incidents": "many"}, {}, {"incidents": [{}], "extra": 1}, []],
)
def test_a_malformed_bulk_request_is_a_400(cast, owner_api, envelope):
    response = owner_api.post(BULK, envelope)
    assert response.status_code == 400


def test_bulk_takes_at_most_500(cast, owner_api):
    response = owner_api.post(BULK, {"incidents": [incident_body(f"N{n}") for n in range(501)]})
    assert response.status_code == 400
    assert "incidents" in response.json()["errors"]
