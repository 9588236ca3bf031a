import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from asb_cases.models import IncidentType
from asb_cases.services import LocationInput
from community_trigger import services
from community_trigger.models import Application
from partners.models import LocalAuthority, Membership, User
from tests.factories import make_incident, make_person

LONDON = ZoneInfo("Europe/London")
DARLINGTON = "E06000005"
ELM_COURT = LocationInput(address="14 Elm Court", postcode="DL1 4QT")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def report(officer, victim=None, *, occurred, reported=None, type_code="noise", **kw):
    """An incident about `victim` at Elm Court (Darlington)."""
    kw.setdefault("location", ELM_COURT)
    kw.setdefault("local_authority", None)
    kw.pop("local_authority")
    return make_incident(
        officer,
        victim=victim,
        reporter=kw.pop("reporter", victim),
        occurred_at=occurred,
        reported_at=reported or occurred + dt.timedelta(hours=1),
        type_code=type_code,
        **kw,
    )


def apply_for(
    victim, *, type_code="noise", postcode="DL1 4QT", actor=None, verify=True, **kw
) -> Application:
    """An application about `victim` (a Person, named as its first record names them). Made
    online (no `actor`), it is verified by the ASB Champion as the same person unless
    `verify=False`; recorded by staff, it is matched when recorded."""
    details = victim.details.order_by("pk").first() if victim else None
    application = services.application_submit(
        actor=actor,
        applicant_name=details.full_name if details else "A. Neighbour",
        applicant_email="applicant@example.org",
        relationship=Application.Relationship.SELF,
        victim_given_name=details.given_name if details else "Alex",
        victim_family_name=details.family_name if details else "Neighbour",
        victim_date_of_birth=details.date_of_birth if details else None,
        problem_type=IncidentType.objects.get(code=type_code),
        problem_postcode=postcode,
        local_authority=LocalAuthority.objects.get(code=DARLINGTON),
        description="It keeps happening",
        **kw,
    )
    if actor is None and verify:
        champion = User.objects.filter(membership__role=Membership.Role.ASB_CHAMPION).first()
        services.application_verify(actor=champion, application=application, person=victim)
        application.refresh_from_db()
    return application


@pytest.fixture
def victim(cast):
    return make_person(
        cast.owner.officer,
        given_name="Mabel",
        family_name="Thornbury",
        date_of_birth=dt.date(1948, 6, 2),
        postcode="DL1 4QT",
    )


__all__ = ["apply_for", "at", "report", "timezone"]
