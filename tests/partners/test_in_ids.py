"""The `in_ids` lookup (partners.db_search.InIds): the same rows as `__in`, for a primary key, a
foreign key and a reverse relation's column, with the ids sent as one array on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from asb_cases import services
from asb_cases.models import Case, CasePerson
from tests.factories import make_case, make_person

pytestmark = pytest.mark.django_db


def test_in_ids_finds_what_in_finds(cast):
    officer = cast.owner.officer
    cases = [make_case(officer) for _ in range(4)]
    people = [make_person(officer, given_name=f"Idtest{n}") for n in range(3)]
    for case, person in zip(cases, people, strict=False):
        services.case_add_person(actor=officer, case=case, person=person, role="witness")
    wanted = [cases[0].pk, cases[2].pk, 0]
    assert set(Case.objects.filter(pk__in_ids=wanted)) == set(Case.objects.filter(pk__in=wanted))
    person_ids = [people[0].pk, people[1].pk]
    assert set(CasePerson.objects.filter(person_id__in_ids=person_ids)) == set(
        CasePerson.objects.filter(person_id__in=person_ids)
    )
    assert set(Case.objects.filter(person_links__person__in_ids=person_ids)) == {cases[0], cases[1]}
    assert not Case.objects.filter(pk__in_ids=[]).exists()


def test_in_ids_is_one_parameter_on_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("an array parameter is PostgreSQL's")
    with CaptureQueriesContext(connection) as captured:
        list(Case.objects.filter(pk__in_ids=range(1, 30_001)))
    (statement,) = captured.captured_queries
    assert "= ANY(" in statement["sql"] and "30000" in statement["sql"]
    assert " IN (" not in statement["sql"]  # not 30,000 values of their own
