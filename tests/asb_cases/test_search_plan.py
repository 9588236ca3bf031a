"""Search: a term that cannot be a postcode adds no postcode LIKE to the plan (the document
holds each postcode with and without its space, so only a postcode written some other way
needs its normal form too), what was found before is still found, and the case and incident
lists run a fixed number of queries whatever a search finds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.viewer import viewer_for
from asb_cases.selectors import CaseFilters, case_list_for_viewer
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case

pytestmark = pytest.mark.django_db


def _likes(sql: str) -> int:
    return sql.count('"search_document"::text LIKE')


def _search(officer, term: str) -> tuple[list, str]:
    """What a search finds, and all the SQL it ran (it reads the matching people and their
    cases first, then the list)."""
    with CaptureQueriesContext(connection) as captured:
        cases = case_list_for_viewer(viewer=viewer_for(officer), filters=CaseFilters(q=term))
        found = list(cases)
    return found, "\n".join(query["sql"] for query in captured.captured_queries)


@pytest.fixture
def case(cast):
    """A case at DL1 4QT (its incident's postcode), with a person named Smithers on it."""
    case = make_case(cast.owner.officer)
    from asb_cases import services

    services.case_add_person(
        actor=cast.owner.officer,
        case=case,
        person=make_person(cast.owner.officer, given_name="Alex", family_name="Smithers"),
        role="witness",
    )
    return case


@pytest.mark.parametrize(
    ("term", "likes"),
    [
        ("Smithers", 1),  # a name: never a postcode
        ("elm court", 1),
        ("DL1 4QT", 1),  # as the document holds it
        ("dl14qt", 1),  # likewise, without the space
        ("dl1  4qt", 2),  # a postcode written some other way: its normal form too
        ("D L 1 4 Q T", 2),
    ],
)
def test_only_a_postcode_written_otherwise_adds_a_second_like(cast, case, term, likes):
    found, sql = _search(cast.owner.officer, term)
    assert [c.pk for c in found] == [case.pk]
    assert _likes(sql) == likes


def test_a_status_asked_for_narrows_each_part_and_finds_the_same(cast, case):
    """The statuses are applied inside the matching set too: the same cases as filtering
    the list alone would give."""
    from asb_cases.models import Case

    closed = make_case(cast.owner.officer)
    Case.objects.filter(pk=closed.pk).update(
        status="closed", closure_reason="resolved", closed_at=closed.opened_at
    )
    viewer = viewer_for(cast.owner.officer)
    for term in ("DL1 4QT", "Smithers", "elm court"):
        everything = case_list_for_viewer(viewer=viewer, filters=CaseFilters(q=term))
        for statuses in (["open"], ["closed"], ["open", "closed"]):
            asked = case_list_for_viewer(
                viewer=viewer, filters=CaseFilters(q=term, statuses=statuses)
            )
            assert sorted(c.pk for c in asked) == sorted(
                c.pk for c in everything if c.status in statuses
            ), (term, statuses)


def test_a_term_found_nowhere_finds_nothing(cast, case):
    found, sql = _search(cast.owner.officer, "Zzyzx")
    assert found == []
    assert _likes(sql) == 1


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_searching_the_case_list_takes_a_fixed_number_of_queries(cast, case):
    client = client_for(cast.partner.officer)
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    client.get("/cases/")  # the per-session caches
    few = _queries(client, "/cases/?q=elm")
    for _ in range(6):
        share_case(
            make_case(cast.owner.officer),
            by=cast.owner.officer,
            with_organisation=cast.partner.organisation,
        )
    assert _queries(client, "/cases/?q=elm") == few
    # A term that names someone also reads those people's cases, once.
    assert _queries(client, "/cases/?q=Smithers") == few + 1
    # Neither a name nor a document's: the people and the documents read, nothing more.
    assert _queries(client, "/cases/?q=Zzyzx") == few


def test_the_incident_list_takes_a_fixed_number_of_queries(cast):
    client = client_for(cast.owner.officer)
    make_incident(cast.owner.officer)
    client.get("/incidents/")
    few = _queries(client, "/incidents/")
    few_search = _queries(client, "/incidents/?q=DL1+4QT")
    for _ in range(5):
        make_incident(cast.owner.officer)
    shared = make_case(cast.partner.officer, incidents=[make_incident(cast.partner.officer)])
    share_case(shared, by=cast.partner.officer, with_organisation=cast.owner.organisation)
    assert _queries(client, "/incidents/") == few
    assert _queries(client, "/incidents/?q=DL1+4QT") == few_search


def test_a_status_asked_for_checks_the_rule_only_for_the_people_on_those_cases(cast, monkeypatch):
    """An organisation seeing people on many cases, asking for open cases, finds the cases of
    everyone recorded by the name first, and asks the rule only about the people on the open
    ones: the rule's read names the person on the open case alone."""
    from asb_cases import selectors, services
    from asb_cases.models import Case

    monkeypatch.setattr(selectors, "PEOPLE_CASES_READ_APART", 0)
    monkeypatch.setattr(selectors, "NAMED_CASES_NARROWED_ABOVE", 0)
    owner = cast.owner.officer
    open_case, closed_case = make_case(owner), make_case(owner)
    on_open = make_person(owner, given_name="Ann", family_name="Quorndon")
    on_closed = make_person(owner, given_name="Bea", family_name="Quorndon")
    services.case_add_person(actor=owner, case=open_case, person=on_open, role="witness")
    services.case_add_person(actor=owner, case=closed_case, person=on_closed, role="witness")
    Case.objects.filter(pk=closed_case.pk).update(
        status="closed", closure_reason="resolved", closed_at=closed_case.opened_at
    )
    with CaptureQueriesContext(connection) as captured:
        found = case_list_for_viewer(
            viewer=viewer_for(owner), filters=CaseFilters(q="quorndon", statuses=["open"])
        )
        assert [case.pk for case in found] == [open_case.pk]
    rule_reads = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "victims_persondetails"' in query["sql"] and "EXISTS" in query["sql"]
    ]
    assert len(rule_reads) == 1
    assert f"'{{{on_open.pk}}}'" in rule_reads[0]
    assert str(on_closed.pk) not in rule_reads[0].split("ANY(")[1].split(")")[0]
