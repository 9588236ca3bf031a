"""Showing people through the access layer costs a fixed number of queries, however many people
and records there are (access.redaction builds every view of a page in one batch)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case

pytestmark = pytest.mark.django_db
SEARCH = {
    "given_name": "Ivy",
    "family_name": "Lonsdale",
    "date_of_birth-day": "4",
    "date_of_birth-month": "5",
    "date_of_birth-year": "1961",
}


def queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params or {}).status_code == 200
    return len(captured)


def known_people(cast, count: int, start: int = 0) -> list:
    people = []
    for n in range(start, start + count):
        person = make_person(
            cast.owner.officer,
            given_name="Ivy",
            family_name=f"Lonsdale{n}",
            date_of_birth=dt.date(1961, 5, 4),
            postcode="DH1 3NJ",
        )
        incidents = [make_incident(cast.owner.officer, victim=person) for _ in range(2)]
        case = make_case(cast.owner.officer, incidents=incidents)
        share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
        make_incident(cast.partner.officer, victim=person)
        people.append(person)
    return people


def test_the_person_search_query_count_does_not_grow_with_the_matches(cast):
    client = client_for(cast.unrelated.officer)
    known_people(cast, 2)
    client.get("/people/search/", SEARCH)
    few = queries(client, "/people/search/", SEARCH)
    known_people(cast, 6, start=2)
    many = queries(client, "/people/search/", SEARCH)
    assert few == many
    # 21: the candidates' records are read without their people, then the people by key.
    assert many <= 21


def test_the_person_page_query_count_does_not_grow_with_the_record(cast):
    [ivy] = known_people(cast, 1)
    client = client_for(cast.partner.officer)
    client.get(f"/people/{ivy.uuid}/")
    few = queries(client, f"/people/{ivy.uuid}/")
    for _ in range(4):
        case = make_case(
            cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=ivy)]
        )
        share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
        make_incident(cast.partner.officer, victim=ivy)
    many = queries(client, f"/people/{ivy.uuid}/")
    assert few == many
    assert many <= 32
