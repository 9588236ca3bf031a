"""Person matching narrowed in the database (victims.selectors._blocks): the same people are
proposed as scoring every record in Python would propose, the closest surnames come first on
PostgreSQL (pg_trgm, from a GIN index declared in the model), and a lookup takes the same
number of queries however many candidates it finds, their signposts included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.viewer import viewer_for
from tests.factories import make_person
from victims import matching, selectors
from victims.models import PersonDetails

pytestmark = pytest.mark.django_db

BORN = dt.date(1961, 5, 4)

PEOPLE = [
    ("Ivy", "Lonsdale", BORN, "DH1 3NJ"),
    ("Ivy", "Lonsdael", BORN, ""),  # surname typo
    ("Ivey", "Lonsdale", None, "DH1 3NJ"),  # no date of birth, same postcode
    ("Ivy", "Lonsdale", dt.date(1961, 4, 5), "DH1 9ZZ"),  # day and month swapped
    ("Ivy", "Lonsdale", dt.date(1970, 1, 1), "DH1 3NJ"),  # another person: other birth date
    ("I", "Lonsdale", None, "DH1 5AB"),  # initial, same district
    ("Ivy", "Lansdale", None, "SR2 7QQ"),  # similar surname, nothing to corroborate it
    ("Victor", "Lonsdale", BORN, ""),  # same birth date, other first name
    ("Ivy", "Smith", BORN, "DH1 3NJ"),  # other surname
    ("Iva", "Londsdale", None, "DH1 3NJ"),
]

QUERIES = [
    matching.Query("Ivy", "Lonsdale", BORN, "DH1 3NJ"),
    matching.Query("ivy", "LONSDALE", None, "dh13nj"),
    matching.Query("Ivy", "Lonsdale", BORN, ""),
    matching.Query("Ivy", "Lonsdale", None, "DH1 1AA"),
    matching.Query("I", "Lonsdail", dt.date(1961, 4, 5), ""),
]


@pytest.fixture
def people(cast):
    officers = [cast.owner.officer, cast.partner.officer, cast.contributor.officer]
    for number, (given, family, born, postcode) in enumerate(PEOPLE):
        make_person(
            officers[number % len(officers)],
            given_name=given,
            family_name=family,
            date_of_birth=born,
            postcode=postcode,
        )


def _scored_in_python(query: matching.Query) -> dict[int, int]:
    """What scoring every record in Python proposes: person -> best score."""
    best: dict[int, int] = {}
    for details in PersonDetails.objects.select_related("person"):
        found = matching.score(query, details)
        if found is not None:
            pk = details.person.merged_into_id or details.person_id
            best[pk] = max(best.get(pk, 0), found.score)
    return best


@pytest.mark.parametrize("query", QUERIES)
def test_the_database_proposes_what_scoring_every_record_proposes(cast, people, query):
    viewer = viewer_for(cast.owner.officer)
    candidates = selectors.person_candidates(viewer=viewer, query=query, limit=50)
    assert {c.person.pk: c.match.score for c in candidates} == _scored_in_python(query)
    assert candidates


def test_records_that_could_never_be_proposed_are_left_in_the_database(cast, people):
    query = QUERIES[0]
    narrowed = list(selectors._blocks(query))
    everything = PersonDetails.objects.count()
    assert len(narrowed) < everything
    assert "SR2 7QQ" not in {details.postcode for details in narrowed}  # nothing corroborates
    born = {details.date_of_birth for details in narrowed}
    assert dt.date(1970, 1, 1) not in born  # a different, known date of birth


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_on_postgresql_similar_surnames_come_from_the_trigram_index_closest_first(cast, people):
    query = matching.Query("Ivy", "Lonsdale", BORN, "DH1 3NJ")
    with CaptureQueriesContext(connection) as captured:
        narrowed = list(selectors._blocks(query))
    sql = captured.captured_queries[0]["sql"]
    assert '"victims_persondetails"."family_name" %' in sql
    assert "SIMILARITY(" in sql.upper()
    closeness = [details.closeness for details in narrowed]
    assert closeness == sorted(closeness, reverse=True)
    assert narrowed[0].family_name == "Lonsdale"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'victims_details_family_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition


def test_a_lookup_takes_the_same_queries_however_many_candidates(cast, people):
    viewer = viewer_for(cast.owner.officer)
    viewer.may("victims.view_person")

    def queries(query: matching.Query) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            candidates = selectors.person_candidates(viewer=viewer, query=query, limit=50)
            for candidate in candidates:
                candidate.signpost.agencies  # noqa: B018 (whom to contact: loaded once)
        return len(candidates), len(captured)

    few_found, few = queries(matching.Query("Ivy", "Smith", BORN, "DH1 3NJ"))
    many_found, many = queries(QUERIES[0])
    assert few_found < many_found
    assert few == many
