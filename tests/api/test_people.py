"""People through the API: a signpost for anyone, details only where the organisation can see
the person."""

from __future__ import annotations

import pytest

from tests.api.conftest import incident_body
from tests.factories import make_person

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"


def test_the_reporting_agency_sees_the_person_and_others_a_signpost(cast, owner_api, unrelated_api):
    created = owner_api.post("/api/v1/incidents/", incident_body()).json()
    url = f"{PEOPLE}{created['reporter']}/"
    ours = owner_api.get(url).json()
    assert ours["visible"] is True
    assert ours["details"]["family_name"] == "Fictional"
    assert ours["signpost"]["known_to"] == 1
    theirs = unrelated_api.get(url).json()
    assert theirs["visible"] is False and theirs["details"] is None
    assert theirs["signpost"]["agencies"][0]["organisation"] == "test-housing"
    assert "Fictional" not in str(theirs)


def test_an_unknown_person_is_404(cast, owner_api):
    assert owner_api.get(f"{PEOPLE}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert owner_api.get(f"{PEOPLE}nope/").status_code == 404


def test_an_analyst_client_sees_no_people(cast, owner_api, api_for):
    created = owner_api.post("/api/v1/incidents/", incident_body()).json()
    analyst = api_for(cast.owner.organisation, role="analyst")
    assert analyst.get(f"{PEOPLE}{created['reporter']}/").status_code == 403


def test_search_finds_people_with_signposts(cast, owner_api, unrelated_api):
    make_person(
        cast.owner.officer, given_name="Morgan", family_name="Imaginary", postcode="DL1 4QT"
    )
    params = {"given_name": "Morgan", "family_name": "Imaginary", "postcode": "DL1 4QT"}
    ours = owner_api.get(PEOPLE, params).json()
    assert len(ours) == 1 and ours[0]["visible"] is True and ours[0]["reasons"]
    theirs = unrelated_api.get(PEOPLE, params).json()
    assert len(theirs) == 1 and theirs[0]["details"] is None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"given_name": "Morgan", "family_name": "Imaginary"},
        {"given_name": "M", "family_name": "I", "postcode": "nope"},
    ],
)
def test_a_search_needs_a_name_and_one_more_detail(cast, owner_api, params):
    response = owner_api.get(PEOPLE, params)
    assert response.status_code == 400
