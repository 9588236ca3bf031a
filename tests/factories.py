"""Factories that build records through the services, so groups and grants are real."""

from __future__ import annotations

import factory

from partners import services
from partners.audit import SystemActor
from partners.models import LocalAuthority, Membership, Organisation, User

TEST_ACTOR = SystemActor("tests")
PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.HOUSING_PROVIDER
    lawful_basis = Organisation.LawfulBasis.PUBLIC_TASK
    area_codes = ("E06000047",)

    @classmethod
    def _create(cls, model_class, *args, area_codes=(), **kwargs):
        return services.organisation_create(
            actor=TEST_ACTOR,
            areas=LocalAuthority.objects.filter(code__in=area_codes),
            **kwargs,
        )


class MemberFactory(factory.django.DjangoModelFactory):
    """A signed-up member: a user with a password, a membership and their groups."""

    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    username = factory.Sequence(lambda n: f"person{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username.replace("@", ".") + "@example.org")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = "Testperson"
    role = Membership.Role.CASE_OFFICER
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.member_create(actor=TEST_ACTOR, send_invitation=False, **kwargs)


def user_in(organisation: Organisation, role: str = Membership.Role.CASE_OFFICER, **kw) -> User:
    return MemberFactory(organisation=organisation, role=role, **kw).user


# Incidents and cases, recorded through the services ------------------------------------------

_incident_counter = iter(range(1, 10**9))


def make_person(actor: User, **overrides):
    from victims import services as victim_services

    details = {"given_name": "Jamie", "family_name": "Example", "postcode": "DL1 4QT"}
    return victim_services.person_create(actor=actor, **(details | overrides))


def make_incident(officer: User, *, days_ago: float = 1, **overrides):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from asb_cases import services
    from asb_cases.models import IncidentType

    occurred = timezone.now() - dt.timedelta(days=days_ago)
    location = overrides.pop(
        "location",
        services.LocationInput(
            address="14 Elm Court",
            postcode="DL1 4QT",
            latitude=Decimal("54.518100"),
            longitude=Decimal("-1.548900"),
        ),
    )
    data = {
        "occurred_at": occurred,
        "reported_at": occurred + dt.timedelta(hours=1),
        "channel": "phone",
        "category": "personal",
        "incident_type": IncidentType.objects.get(code=overrides.pop("type_code", "noise")),
        "description": f"Test incident {next(_incident_counter)}",
        "location": location,
    }
    link_to_case = overrides.pop("link_to_case", None)
    duplicate_of = overrides.pop("duplicate_of", None)
    return services.incident_record(
        actor=officer,
        data=services.IncidentInput(**(data | overrides)),
        link_to_case=link_to_case,
        duplicate_of=duplicate_of,
    )


def make_case(officer: User, *, incidents=None, **overrides):
    from asb_cases import services
    from asb_cases.models import IncidentType

    incidents = incidents if incidents is not None else [make_incident(officer)]
    details = {
        "title": "Noise at Elm Court",
        "incident_type": IncidentType.objects.get(code="noise"),
        "lead_officer": officer,
    }
    return services.case_open(actor=officer, incidents=incidents, **(details | overrides))


def share_case(
    case, *, by: User, with_organisation, level: str = "view", include_people: bool = True
):
    from asb_cases import services

    return services.case_share_with_partner(
        actor=by,
        case=case,
        organisation=with_organisation,
        access_level=level,
        purpose="Joint working on the problem",
        legal_basis="cda_1998_s115",
        include_people=include_people,
    )
