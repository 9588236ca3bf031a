"""A person the owner agency knows well — every detail it recorded carries a marker — for the
tests of who may see what about a person (docs/adr/0013-person-visibility.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.factories import make_case, make_incident, make_person
from victims import services as victim_services
from victims.models import Person, VulnerabilityFactor

BORN = dt.date(1961, 5, 4)
# What only the owner recorded about Ivy: none of it may reach another agency by a match.
OWNER_DETAILS = {
    "address": "9 Hidden Row",
    "phone": "07700 900123",
    "email": "ivy.private@example.org",
    "other_access_needs": "Hearing loop at meetings",
}
FACTOR = "Experiencing domestic abuse"


@dataclass
class Known:
    person: Person
    case: object


@pytest.fixture
def ivy(cast) -> Known:
    """Ivy Lonsdale, recorded by the owner (a housing provider) with her address, phone, e-mail,
    access needs and a special-category vulnerability, on a case the owner leads."""
    person = make_person(
        cast.owner.officer,
        given_name="Ivy",
        family_name="Lonsdale",
        date_of_birth=BORN,
        postcode="DH1 3NJ",
        address=OWNER_DETAILS["address"],
        phone=OWNER_DETAILS["phone"],
        email=OWNER_DETAILS["email"],
    )
    victim_services.person_details_update(
        actor=cast.owner.officer,
        person=person,
        vulnerability_factors=[VulnerabilityFactor.objects.get(code="domestic-abuse")],
        other_access_needs=OWNER_DETAILS["other_access_needs"],
    )
    case = make_case(
        cast.owner.officer,
        incidents=[make_incident(cast.owner.officer, victim=person, reporter=person)],
        title="Threats at Larch Walk",
    )
    return Known(person=person, case=case)


def assert_none_of(content: str, *words: str) -> None:
    for word in words:
        assert word not in content, f"{word!r} leaked"


def owner_secrets() -> list[str]:
    return [*OWNER_DETAILS.values(), FACTOR, "domestic abuse"]


from tests.api.conftest import api_for, unrelated_api  # noqa: E402,F401  (fixtures)
