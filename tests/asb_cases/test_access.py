"""Who can see and do what on a shared case: the owner agency, a partner with a view share, a
partner with a contribute share, an unrelated agency and the ASB Champion."""

import pytest

from asb_cases.models import CaseNote
from partners.models import AuditEvent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SEES = ["owner", "partner", "contributor"]
BLIND = ["unrelated", "champion"]


def person(cast, who):
    return cast.champion if who == "champion" else getattr(cast, who).officer


@pytest.mark.parametrize("who", SEES)
def test_agencies_on_the_case_see_its_page(cast, shared_case, who):
    response = client_for(person(cast, who)).get(f"/cases/{shared_case.case.uuid}/")
    assert response.status_code == 200
    assert shared_case.case.reference in response.content.decode()
    assert "Marigold Featherstone" in response.content.decode()


@pytest.mark.parametrize("who", BLIND)
def test_an_agency_without_a_share_gets_404_and_sees_nothing(cast, shared_case, who):
    client = client_for(person(cast, who))
    case = shared_case.case
    assert client.get(f"/cases/{case.uuid}/").status_code == 404
    assert client.get(f"/incidents/{shared_case.incident.uuid}/").status_code == 404
    for path in ("/cases/", "/cases/mine/", "/incidents/"):
        assert case.reference not in client.get(path).content.decode()
    for term in (case.reference, "Featherstone", "Elm Court", "DL1 4QT", "dl14qt"):
        page = client.get("/cases/", {"q": term}).content.decode()
        assert str(case.uuid) not in page
        assert "0 cases" in page
        incidents = client.get("/incidents/", {"q": term}).content.decode()
        assert str(shared_case.incident.uuid) not in incidents


@pytest.mark.parametrize("who", SEES)
def test_agencies_on_the_case_find_it_by_reference_name_address_and_postcode(
    cast, shared_case, who
):
    client = client_for(person(cast, who))
    for term in (shared_case.case.reference, "featherstone", "Elm Court", "DL1 4QT", "dl14qt"):
        page = client.get("/cases/", {"q": term}).content.decode()
        assert f"/cases/{shared_case.case.uuid}/" in page, term


CONTRIBUTE_PAGES = [
    ("notes/add/", {"body": "Spoke to the neighbour", "visibility": "all_agencies"}),
    ("tasks/add/", {}),
    ("actions/add/", {}),
    ("people/add/", {}),
    ("locations/add/", {}),
    ("incidents/add/", {}),
]
LEAD_PAGES = ["status/", "edit/", "share/", "transfer/"]


@pytest.mark.parametrize(("suffix", "data"), CONTRIBUTE_PAGES)
def test_contributing_needs_a_contribute_share(cast, shared_case, suffix, data):
    url = f"/cases/{shared_case.case.uuid}/{suffix}"
    assert client_for(cast.owner.officer).get(url).status_code == 200
    assert client_for(cast.contributor.officer).get(url).status_code == 200
    assert client_for(cast.partner.officer).get(url).status_code == 403
    assert client_for(cast.partner.officer).post(url, data).status_code == 403
    assert client_for(cast.unrelated.officer).get(url).status_code == 404
    assert client_for(cast.unrelated.officer).post(url, data).status_code == 404


@pytest.mark.parametrize("suffix", LEAD_PAGES)
def test_only_the_lead_organisation_changes_shares_or_transfers(cast, shared_case, suffix):
    url = f"/cases/{shared_case.case.uuid}/{suffix}"
    assert client_for(cast.owner.officer).get(url).status_code == 200
    assert client_for(cast.contributor.officer).get(url).status_code == 403
    assert client_for(cast.partner.officer).get(url).status_code == 403
    assert client_for(cast.unrelated.officer).get(url).status_code == 404
    assert client_for(cast.champion).get(url).status_code == 404


def test_a_view_share_can_read_but_not_add_a_note(cast, shared_case):
    client = client_for(cast.partner.officer)
    response = client.post(
        f"/cases/{shared_case.case.uuid}/notes/add/", {"body": "x", "visibility": "all_agencies"}
    )
    assert response.status_code == 403
    assert not CaseNote.objects.exists()
    assert AuditEvent.objects.filter(verb="permission_denied", actor=cast.partner.officer).exists()


def test_roles_without_case_work_cannot_see_cases_even_in_the_owner_agency(cast, shared_case):
    for user in (cast.owner.analyst, cast.owner.admin):
        client = client_for(user)
        assert client.get("/cases/").status_code == 403
        assert client.get(f"/cases/{shared_case.case.uuid}/").status_code == 404


def test_a_made_up_case_id_is_404(cast):
    client = client_for(cast.owner.officer)
    assert client.get("/cases/8c1c1c1c-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/incidents/8c1c1c1c-0000-4000-8000-000000000000/").status_code == 404


def test_sharing_with_the_champions_office_lets_the_champion_see_it(cast, shared_case):
    from tests.factories import share_case

    share_case(shared_case.case, by=cast.owner.officer, with_organisation=cast.pcc.organisation)
    assert client_for(cast.champion).get(f"/cases/{shared_case.case.uuid}/").status_code == 200


def test_revoking_a_share_ends_access_at_once(cast, shared_case):
    from asb_cases.services import case_share_revoke

    partner = client_for(cast.partner.officer)
    assert partner.get(f"/cases/{shared_case.case.uuid}/").status_code == 200
    share = shared_case.case.shares.get(organisation=cast.partner.organisation)
    case_share_revoke(actor=cast.owner.officer, share=share, reason="No longer needed")
    assert partner.get(f"/cases/{shared_case.case.uuid}/").status_code == 404
    assert shared_case.case.reference not in partner.get("/cases/").content.decode()


def test_notes_kept_to_an_organisation_are_not_shown_to_partners(cast, shared_case):
    from asb_cases.services import case_add_note

    case_add_note(
        actor=cast.owner.officer,
        case=shared_case.case,
        body="Soft intelligence: name X",
        visibility="my_organisation",
    )
    case_add_note(
        actor=cast.owner.officer,
        case=shared_case.case,
        body="Visited the victim",
        visibility="all_agencies",
    )
    owner_page = client_for(cast.owner.officer).get(f"/cases/{shared_case.case.uuid}/")
    partner_page = client_for(cast.partner.officer).get(f"/cases/{shared_case.case.uuid}/")
    assert "Soft intelligence" in owner_page.content.decode()
    assert "Soft intelligence" not in partner_page.content.decode()
    assert "Visited the victim" in partner_page.content.decode()


def test_every_view_and_search_is_audited_with_its_terms(cast, shared_case):
    client = client_for(cast.partner.officer)
    client.get(f"/cases/{shared_case.case.uuid}/")
    client.get("/cases/", {"q": "Featherstone", "status": ["open"]})
    viewed = AuditEvent.objects.get(verb="viewed", action="case_view")
    assert viewed.actor == cast.partner.officer
    assert viewed.target_id == str(shared_case.case.pk)
    searched = AuditEvent.objects.get(verb="searched", action="case_search")
    assert searched.detail["terms"] == {"q": "Featherstone", "status": ["open"], "sort": "updated"}
