"""Cases, shares and ownership transfers through the API: each within the organisation's scope,
with the cross-agency 404, optimistic versions and constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import AuditEvent
from tests.api.conftest import make_api
from tests.factories import make_case, make_incident, share_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def _case_url(case, suffix: str = "") -> str:
    return f"{CASES}{case.uuid}/{suffix}"


@pytest.fixture
def case(cast):
    return make_case(cast.owner.officer)


def test_the_owner_lists_and_reads_its_case(cast, owner_api, case):
    listed = owner_api.get(CASES).json()["results"]
    assert [row["reference"] for row in listed] == [case.reference]
    detail = owner_api.get(_case_url(case)).json()
    assert detail["reference"] == case.reference
    assert detail["lead_organisation"] == "test-housing"
    assert len(detail["incidents"]) == 1 and detail["version"] == case.version


def test_an_unrelated_agency_sees_nothing_and_gets_404(cast, unrelated_api, case):
    assert unrelated_api.get(CASES).json()["results"] == []
    hidden = unrelated_api.get(_case_url(case))
    missing = unrelated_api.get(f"{CASES}00000000-0000-0000-0000-000000000000/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    for suffix in ("status/", "notes/", "actions/", "shares/", "transfers/"):
        assert unrelated_api.post(_case_url(case, suffix), {}).status_code == 404


def test_a_partner_sees_a_shared_case_and_not_the_owners_private_notes(cast, partner_api, case):
    from asb_cases import services

    services.case_add_note(
        actor=cast.owner.officer, case=case, body="Ours only", visibility="my_organisation"
    )
    services.case_add_note(
        actor=cast.owner.officer, case=case, body="For all", visibility="all_agencies"
    )
    assert partner_api.get(_case_url(case)).status_code == 404
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    detail = partner_api.get(_case_url(case)).json()
    assert [note["body"] for note in detail["notes"]] == ["For all"]
    assert partner_api.get(CASES, {"reference": case.reference}).json()["results"][0][
        "uuid"
    ] == str(case.uuid)


def test_a_view_only_partner_cannot_change_the_case(cast, partner_api, case):
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    response = partner_api.post(
        _case_url(case, "status/"), {"status": "closed", "version": 1, "closure_reason": "resolved"}
    )
    assert response.status_code == 403
    response = partner_api.post(
        _case_url(case, "notes/"), {"body": "Hi", "visibility": "all_agencies"}
    )
    assert response.status_code == 403


def test_list_filters(cast, owner_api, case):
    other = make_case(
        cast.owner.officer,
        title="Graffiti",
        incident_type=__import__("asb_cases.models").models.IncidentType.objects.get(
            code="graffiti"
        ),
    )
    assert [
        r["uuid"] for r in owner_api.get(CASES, {"incident_type": "graffiti"}).json()["results"]
    ] == [str(other.uuid)]
    assert owner_api.get(CASES, {"status": "closed"}).json()["results"] == []
    assert len(owner_api.get(CASES, {"status": ["open", "closed"]}).json()["results"]) == 2
    assert owner_api.get(CASES, {"status": "nonsense"}).status_code == 400
    bad_order = owner_api.get(CASES, {"opened_from": "2026-02-01", "opened_to": "2026-01-01"})
    assert bad_order.status_code == 400 and "opened_to" in bad_order.json()["errors"]


def test_the_case_list_takes_the_same_number_of_queries_however_many_cases(cast, owner_api):
    make_case(cast.owner.officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_api.get(CASES).status_code == 200
        return len(queries)

    owner_api.get(CASES)  # the first call of the minute also stamps last_used_at
    few = count()
    for _ in range(6):
        share_case(
            make_case(cast.partner.officer),
            by=cast.partner.officer,
            with_organisation=cast.owner.organisation,
        )
        make_case(cast.owner.officer)
    assert len(owner_api.get(CASES).json()["results"]) == 13
    assert count() == few


def test_opening_a_case_from_an_incident(cast, owner_api):
    incident = make_incident(cast.owner.officer)
    response = owner_api.post(
        CASES,
        {
            "title": "Noise",
            "incident_type": "noise",
            "risk_band": "medium",
            "incidents": [str(incident.uuid)],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lead_organisation"] == "test-housing" and body["risk_band"] == "medium"
    assert owner_api.get(f"{CASES}{body['uuid']}/").json()["incidents"] == [str(incident.uuid)]


def test_a_case_cannot_be_opened_from_an_incident_the_client_cannot_see(cast, unrelated_api):
    incident = make_incident(cast.owner.officer)
    response = unrelated_api.post(
        CASES, {"title": "Noise", "incident_type": "noise", "incidents": [str(incident.uuid)]}
    )
    assert response.status_code == 400
    assert "incidents" in response.json()["errors"]


def test_status_changes_with_the_version_read_and_409_on_a_stale_one(cast, owner_api, case):
    url = _case_url(case, "status/")
    moved = owner_api.post(url, {"status": "investigating", "version": case.version})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"] == "investigating"
    stale = owner_api.post(
        url, {"status": "closed", "version": case.version, "closure_reason": "resolved"}
    )
    assert stale.status_code == 409
    assert stale.json()["version"] == case.version + 1
    missing_reason = owner_api.post(url, {"status": "closed", "version": case.version + 1})
    assert missing_reason.status_code == 400 and "closure_reason" in missing_reason.json()["errors"]


def test_notes_and_actions_are_added(cast, owner_api, case):
    note = owner_api.post(
        _case_url(case, "notes/"), {"body": "Spoke to them", "visibility": "all_agencies"}
    )
    assert note.status_code == 201 and note.json()["body"] == "Spoke to them"
    action = owner_api.post(
        _case_url(case, "actions/"),
        {
            "action_type": "warning-letter",
            "started_at": "2026-11-01T10:00:00Z",
            "cost_pounds": "12.50",
        },
    )
    assert action.status_code == 201, action.json()
    assert action.json()["cost_pounds"] == "12.50"
    unknown = owner_api.post(
        _case_url(case, "actions/"), {"action_type": "nope", "started_at": "2026-11-01T10:00:00Z"}
    )
    assert unknown.status_code == 400 and "action_type" in unknown.json()["errors"]
    detail = owner_api.get(_case_url(case)).json()
    assert len(detail["notes"]) == 1 and len(detail["actions"]) == 1


def test_sharing_and_revoking_takes_effect_at_once(cast, owner_api, partner_api, case):
    shared = owner_api.post(
        _case_url(case, "shares/"),
        {
            "organisation": "test-police",
            "access_level": "view",
            "purpose": "Joint working",
            "legal_basis": "cda_1998_s115",
        },
    )
    assert shared.status_code == 201, shared.json()
    assert partner_api.get(_case_url(case)).status_code == 200
    revoked = owner_api.post(
        _case_url(case, f"shares/{shared.json()['uuid']}/revoke/"), {"reason": "Done"}
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert partner_api.get(_case_url(case)).status_code == 404
    unknown = owner_api.post(
        _case_url(case, "shares/"),
        {"organisation": "nowhere", "access_level": "view", "purpose": "x", "legal_basis": "isa"},
    )
    assert unknown.status_code == 400 and "organisation" in unknown.json()["errors"]


def test_a_transfer_is_proposed_and_accepted_by_a_supervisor_client(cast, owner_api, api_for, case):
    proposed = owner_api.post(
        _case_url(case, "transfers/"), {"to_organisation": "test-council", "reason": "Theirs"}
    )
    assert proposed.status_code == 201, proposed.json()
    transfer = proposed.json()["uuid"]
    officer = api_for(cast.contributor.organisation)
    supervisor = api_for(cast.contributor.organisation, role="supervisor")
    assert [t["uuid"] for t in supervisor.get("/api/v1/transfers/").json()] == [transfer]
    assert officer.post(f"/api/v1/transfers/{transfer}/accept/", {}).status_code == 403
    assert (
        api_for(cast.unrelated.organisation, role="supervisor")
        .post(f"/api/v1/transfers/{transfer}/accept/", {})
        .status_code
        == 404
    )
    accepted = supervisor.post(f"/api/v1/transfers/{transfer}/accept/", {"reason": "Ours now"})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert supervisor.get(_case_url(case)).json()["lead_organisation"] == "test-council"


def test_a_transfer_is_declined_with_a_reason(cast, owner_api, api_for, case):
    transfer = owner_api.post(
        _case_url(case, "transfers/"), {"to_organisation": "test-council", "reason": "Theirs"}
    ).json()["uuid"]
    supervisor = api_for(cast.contributor.organisation, role="supervisor")
    assert supervisor.post(f"/api/v1/transfers/{transfer}/decline/", {}).status_code == 400
    declined = supervisor.post(f"/api/v1/transfers/{transfer}/decline/", {"reason": "Not ours"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert owner_api.get(f"/api/v1/transfers/{transfer}/").json()["status"] == "declined"
    assert (
        make_api(cast.unrelated.organisation).get(f"/api/v1/transfers/{transfer}/").status_code
        == 404
    )


def test_writes_are_audited_against_the_client(cast, owner_api, case):
    owner_api.post(_case_url(case, "notes/"), {"body": "Audited", "visibility": "all_agencies"})
    label = f"api-client:{owner_api.client.pk}"
    actions = set(AuditEvent.objects.filter(actor_label=label).values_list("action", flat=True))
    assert {"case_add_note", "api:case-notes"} <= actions
