from dataclasses import dataclass

import pytest

from asb_cases.models import Case, Incident
from tests.factories import make_case, make_incident, make_person, share_case


@dataclass
class SharedCase:
    case: Case
    incident: Incident


@pytest.fixture
def shared_case(cast) -> SharedCase:
    """A case led by the owner (housing), shared with the partner (police) to view and with the
    contributor (council) to contribute; the unrelated agency and the PCC's office have nothing."""
    victim = make_person(cast.owner.officer, given_name="Marigold", family_name="Featherstone")
    incident = make_incident(cast.owner.officer, victim=victim, reporter=victim)
    case = make_case(cast.owner.officer, incidents=[incident], title="Threats on Elm Court")
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    share_case(
        case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    case.refresh_from_db()
    return SharedCase(case=case, incident=incident)
