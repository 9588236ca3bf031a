"""Consent restrictions read as one set (access.rules.consent_restricted): the same people as
the correlated check it replaced, for every shape of merge, restricted by withdrawal or by
"lead agency only", and the same rows left when it is negated."""

import datetime as dt

import pytest
from django.db.models import Exists, OuterRef, Q

from access import rules
from tests.factories import make_person
from victims.models import Person, PersonDetails

pytestmark = pytest.mark.django_db


def _correlated(outer: str = "person_id") -> Exists:
    """The check as it was: a restricted record about the person at `outer`, or about a
    record merged with them, in either direction."""
    base = outer.removesuffix("_id")
    return Exists(
        PersonDetails.objects.filter(rules.CONSENT_RESTRICTED).filter(
            Q(person_id=OuterRef(outer))
            | Q(person__merged_into_id=OuterRef(outer))
            | Q(person_id=OuterRef(f"{base}__merged_into_id"))
            | Q(person__merged_into_id=OuterRef(f"{base}__merged_into_id"))
        )
    )


@pytest.fixture
def people(cast):
    """Named people, each with a record by the owner; some restricted, some merged."""
    officer, partner = cast.owner.officer, cast.partner.officer
    made = {
        name: make_person(officer, given_name=name, family_name="Consenttest")
        for name in [
            "plain",
            "withdrew",
            "lead_only_by_partner",
            "merged_restricted",
            "survivor_of_restricted",
            "merged_clean",
            "survivor_restricted",
            "sibling_restricted",
            "sibling_clean",
            "survivor_of_siblings",
            "clean_group_a",
            "clean_group_b",
        ]
    }
    PersonDetails.objects.filter(person=made["withdrew"]).update(
        consent_withdrawn_on=dt.date(2026, 5, 1)
    )
    # Restricted in another agency's record of them (the owner's is not): the most
    # restrictive wish wins.
    partner_record = make_person(partner, given_name="Other", family_name="Consenttest")
    PersonDetails.objects.filter(person=partner_record).update(
        person=made["lead_only_by_partner"], consent_scope=PersonDetails.ConsentScope.LEAD_ONLY
    )
    PersonDetails.objects.filter(person=made["merged_restricted"]).update(
        consent_scope=PersonDetails.ConsentScope.LEAD_ONLY
    )
    PersonDetails.objects.filter(person=made["survivor_restricted"]).update(
        consent_withdrawn_on=dt.date(2026, 6, 1)
    )
    PersonDetails.objects.filter(person=made["sibling_restricted"]).update(
        consent_withdrawn_on=dt.date(2026, 7, 1)
    )
    merges = {
        "merged_restricted": "survivor_of_restricted",
        "merged_clean": "survivor_restricted",
        "sibling_restricted": "survivor_of_siblings",
        "sibling_clean": "survivor_of_siblings",
        "clean_group_a": "clean_group_b",
    }
    for duplicate, survivor in merges.items():
        Person.objects.filter(pk=made[duplicate].pk).update(merged_into=made[survivor])
    return made


def test_the_set_finds_exactly_whom_the_correlated_check_found(people):
    records = PersonDetails.objects.all()
    before = set(records.filter(_correlated()).values_list("pk", flat=True))
    after = set(records.filter(rules.consent_restricted("person_id")).values_list("pk", flat=True))
    assert after == before
    restricted = {PersonDetails.objects.get(pk=pk).person_id for pk in after}
    expected = {
        people[name].pk
        for name in [
            "withdrew",
            "lead_only_by_partner",
            "merged_restricted",
            "survivor_of_restricted",
            "merged_clean",
            "survivor_restricted",
            "sibling_restricted",
            "sibling_clean",
            "survivor_of_siblings",
        ]
    }
    assert restricted == expected  # the fixture is varied enough to mean something
    # Negated, as the access rules use it: the same rows left, none lost to a NULL.
    assert set(records.exclude(_correlated()).values_list("pk", flat=True)) == set(
        records.filter(~rules.consent_restricted("person_id")).values_list("pk", flat=True)
    )


def test_case_links_are_checked_the_same_way(cast, people):
    """Through a case link (the shape `person_details` and the victim records use)."""
    from asb_cases import services
    from asb_cases.models import CasePerson
    from tests.factories import make_case

    case = make_case(cast.owner.officer)
    for person in people.values():
        services.case_add_person(actor=cast.owner.officer, case=case, person=person, role="witness")
    links = CasePerson.objects.filter(case=case)
    assert set(links.filter(_correlated()).values_list("pk", flat=True)) == set(
        links.filter(rules.consent_restricted("person_id")).values_list("pk", flat=True)
    )
    assert links.filter(rules.consent_restricted("person_id")).count() == 9
