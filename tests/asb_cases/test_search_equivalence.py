"""Case search narrows the named people's cases to the statuses asked for once, when they are many
(rather than in the list's count and its page each), then lists them for the permission rows
with the cases matching the document, when those are not too many (rather than as a subquery),
and reads the details of an organisation seeing people on few cases as its own and those cases'
people's (rather than the rule whole): every viewer finds exactly the cases the search found
before, whoever the people are (consent-restricted, merged, another agency's record) and however
the viewer sees the case (owner, shares with or without people, an unrelated agency)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from access import rules
from access.viewer import viewer_for
from asb_cases import selectors, services
from asb_cases.models import Case, CasePerson
from asb_cases.selectors import CaseFilters, case_list_for_viewer
from tests.factories import make_case, make_person, share_case
from victims.models import Person, PersonDetails

pytestmark = pytest.mark.django_db

TERMS = ["Quillfeather", "ann quillfeather", "bo", "Elm", "Zzyzx"]
STATUSES = [[], ["open"], ["closed"], ["open", "closed"]]


def _before(viewer, term: str, statuses: list[str]) -> list[int]:
    """The search as it was: the people's ids read, then their cases', then the union."""
    lowered = term.strip().lower()
    words = Q()
    for word in lowered.split():
        words &= Q(given_name__ilike=word) | Q(family_name__ilike=word)
    people = set(
        rules.person_details(viewer)
        .filter(words)
        .annotate(full_name=Lower(Concat("given_name", Value(" "), "family_name")))
        .filter(full_name__contains=lowered)
        .values_list("person_id", flat=True)
    )
    named = set(CasePerson.objects.filter(person_id__in=people).values_list("case_id", flat=True))
    matching = Case.objects.filter(Q(search_document__contains=lowered) | Q(pk__in=named))
    cases = rules.cases(viewer).filter(pk__in=matching.values("pk"))
    if statuses:
        cases = cases.filter(status__in=statuses)
    return sorted(cases.values_list("pk", flat=True))


@pytest.fixture
def world(cast):
    """The owner's cases naming people of every kind, shared in every way; one closed."""
    owner = cast.owner.officer

    def person(given: str, by=owner):
        return make_person(by, given_name=given, family_name="Quillfeather")

    plain, withdrew, lead_only = person("Ann"), person("Bob"), person("Bonnie")
    merged, survivor = person("Boris"), person("Annabel")
    partner_record = person("Bo", by=cast.partner.officer)
    PersonDetails.objects.filter(person=withdrew).update(consent_withdrawn_on=dt.date(2026, 5, 1))
    PersonDetails.objects.filter(person=lead_only).update(
        consent_scope=PersonDetails.ConsentScope.LEAD_ONLY
    )
    Person.objects.filter(pk=merged.pk).update(merged_into=survivor)

    cases = [make_case(owner, title=f"Case {n}") for n in range(5)]
    for case, named in zip(
        cases,
        [[plain], [withdrew, merged], [lead_only], [survivor, partner_record], [plain, survivor]],
        strict=True,
    ):
        for someone in named:
            services.case_add_person(actor=owner, case=case, person=someone, role="witness")
    partner, contributor = cast.partner.organisation, cast.contributor.organisation
    for case, organisation, level, include_people in [
        (cases[0], partner, "view", True),
        (cases[1], partner, "view", True),
        (cases[2], partner, "contribute", True),
        (cases[3], contributor, "contribute", False),
        (cases[4], contributor, "view", True),
    ]:
        share_case(
            case,
            by=owner,
            with_organisation=organisation,
            level=level,
            include_people=include_people,
        )
    Case.objects.filter(pk=cases[4].pk).update(
        status="closed", closure_reason="resolved", closed_at=cases[4].opened_at
    )
    return cases


@pytest.mark.parametrize("listed", [5000, 0])
@pytest.mark.parametrize("read_apart", [2000, 0])
@pytest.mark.parametrize("narrowed_above", [200, 0])
def test_search_finds_what_it_found_before_for_every_viewer(
    cast, world, monkeypatch, narrowed_above, read_apart, listed
):
    monkeypatch.setattr(selectors, "NAMED_CASES_NARROWED_ABOVE", narrowed_above)
    monkeypatch.setattr(selectors, "DOCUMENT_MATCHES_LISTED", listed)
    monkeypatch.setattr(selectors, "PEOPLE_CASES_READ_APART", read_apart)
    _assert_every_viewer_finds_what_it_found_before(cast)


@pytest.mark.parametrize("probed_up_to", [10_000, 1, 0])
def test_case_links_read_person_by_person_or_together_find_the_same(
    cast, world, monkeypatch, probed_up_to
):
    """The named people's case links, read from the index person by person (PostgreSQL, up to
    LINKS_PROBED_UP_TO people) or as one `= ANY(ids)`, for an organisation reading the rule
    whole and one narrowing by status first."""
    monkeypatch.setattr(selectors, "PEOPLE_CASES_READ_APART", 0)
    monkeypatch.setattr(selectors, "NAMED_CASES_NARROWED_ABOVE", 0)
    monkeypatch.setattr(selectors, "LINKS_PROBED_UP_TO", probed_up_to)
    _assert_every_viewer_finds_what_it_found_before(cast)


def _assert_every_viewer_finds_what_it_found_before(cast) -> None:
    agencies = [cast.owner, cast.partner, cast.contributor, cast.unrelated]
    found_any = False
    for agency in agencies:
        viewer = viewer_for(agency.officer)
        for term in TERMS:
            for statuses in STATUSES:
                now = case_list_for_viewer(
                    viewer=viewer, filters=CaseFilters(q=term, statuses=statuses)
                )
                found = sorted(case.pk for case in now)
                assert found == _before(viewer, term, statuses), (
                    agency.organisation.slug,
                    term,
                    statuses,
                )
                found_any = found_any or bool(found)
    assert found_any
    assert _before(viewer_for(cast.unrelated.officer), "Quillfeather", []) == []
