"""Demo incidents and cases for the demo partnership. Every person and address is fictitious.

Idempotent: an incident with a demo reference is never recorded twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType, Case, CaseShare, Incident, IncidentType
from partners.models import User
from victims import services as victim_services


def _user(username: str) -> User:
    return User.objects.select_related("membership__organisation").get(username=username)


def _at(days_ago: int, hour: int = 21) -> dt.datetime:
    now = timezone.localtime()
    return (now - dt.timedelta(days=days_ago)).replace(
        hour=hour, minute=15, second=0, microsecond=0
    )


def _incident(
    officer,
    ref,
    days_ago,
    type_code,
    description,
    location,
    victim=None,
    reporter=None,
    category="personal",
    hate=False,
    characteristic="",
):
    existing = Incident.objects.filter(
        reported_to=officer.membership.organisation, external_ref=ref
    ).first()
    if existing:
        return existing, False
    return services.incident_record(
        actor=officer,
        data=services.IncidentInput(
            occurred_at=_at(days_ago),
            reported_at=_at(days_ago, hour=22),
            channel="phone",
            category=category,
            incident_type=IncidentType.objects.get(code=type_code),
            description=description,
            location=location,
            hate_motivated=hate,
            protected_characteristic=characteristic,
            reporter=reporter or victim,
            victim=victim,
            external_ref=ref,
        ),
    ), True


ELM_COURT = services.LocationInput(
    address="14 Elm Court, Bank Top",
    postcode="DL1 4QT",
    latitude=Decimal("54.518100"),
    longitude=Decimal("-1.548900"),
)
MARKET_LANE = services.LocationInput(
    address="Car park behind 3 Market Lane",
    postcode="DH1 3NJ",
    latitude=Decimal("54.776900"),
    longitude=Decimal("-1.574500"),
)
ASH_GROVE = services.LocationInput(
    address="Alley between 20 and 22 Ash Grove",
    postcode="DL14 6RW",
    latitude=Decimal("54.664700"),
    longitude=Decimal("-1.678300"),
)


def seed(stdout=None) -> None:
    police = _user("officer@durham-constabulary")
    livin = _user("officer@livin")
    darlington = _user("officer@darlington-borough-council")
    durham = _user("officer@durham-county-council")
    if Incident.objects.filter(external_ref="DEMO-LIV-001").exists():
        if stdout is not None:
            stdout.write("Demo cases: already loaded.")
        return

    # A repeat victim in Darlington, reported to the council, the police and a landlord.
    victim = victim_services.person_create(
        actor=darlington,
        given_name="Mabel",
        family_name="Thornbury",
        date_of_birth=dt.date(1948, 6, 2),
        postcode="DL1 4QT",
        phone="01632 960 118",
    )
    first, _ = _incident(
        darlington,
        "DEMO-DBC-001",
        40,
        "noise",
        "Loud music and shouting from the flat above until 3am.",
        ELM_COURT,
        victim=victim,
    )
    # The police know her too: they record their own details of her (a match shows them nobody
    # else's record).
    victim_services.person_link(
        actor=police,
        person=victim,
        given_name="Mabel",
        family_name="Thornbury",
        date_of_birth=dt.date(1948, 6, 2),
    )
    second, _ = _incident(
        police,
        "DEMO-DC-001",
        20,
        "verbal-abuse",
        "Neighbour shouted threats at Mrs Thornbury on the stairs.",
        ELM_COURT,
        victim=victim,
    )
    third, _ = _incident(
        darlington,
        "DEMO-DBC-002",
        6,
        "noise",
        "Music again, and a door kicked.",
        ELM_COURT,
        victim=victim,
    )
    case = services.case_open(
        actor=darlington,
        title="Noise and threats at Elm Court",
        incident_type=IncidentType.objects.get(code="noise"),
        risk_band="medium",
        lead_officer=darlington,
        incidents=[first, third],
        location=ELM_COURT,
        summary="Elderly resident living alone; repeated noise and one threat from the flat above.",
    )
    services.case_share_with_partner(
        actor=darlington,
        case=case,
        organisation=police.membership.organisation,
        access_level=CaseShare.AccessLevel.CONTRIBUTE,
        purpose="Threats reported to the police; joint visit planned.",
        legal_basis=CaseShare.LegalBasis.CDA_S115,
        include_people=True,
    )
    services.case_add_note(
        actor=darlington,
        case=case,
        visibility="all_agencies",
        body="Visited Mrs Thornbury. Diary sheets left; she would like the noise to stop more "
        "than anything else.",
    )
    services.case_add_action(
        actor=darlington,
        case=case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=_at(5, hour=10),
        cost_pounds=Decimal("45.00"),
        notes="Warning letter to the occupier of flat 16.",
    )
    services.case_change_status(
        actor=darlington, case=case, status="action", expected_version=case.version
    )
    services.case_link_incident(actor=police, case=case, incident=second)

    # A housing case in County Durham led by Livin.
    tenant = victim_services.person_create(
        actor=livin,
        given_name="Owen",
        family_name="Castleford",
        date_of_birth=dt.date(1979, 11, 23),
        postcode="DL14 6RW",
    )
    alley, _ = _incident(
        livin,
        "DEMO-LIV-001",
        12,
        "drugs",
        "Groups gathering in the alley at night; needles found.",
        ASH_GROVE,
        victim=tenant,
        category="nuisance",
    )
    livin_case = services.case_open(
        actor=livin,
        title="Drug use in the Ash Grove alley",
        incident_type=IncidentType.objects.get(code="drugs"),
        lead_officer=livin,
        incidents=[alley],
        location=ASH_GROVE,
    )
    services.case_add_task(
        actor=livin,
        case=livin_case,
        title="Ask the council about gating the alley",
        due_on=timezone.localdate() + dt.timedelta(days=10),
        assignee=livin,
    )

    # A police case that the police think the county council should lead.
    car_park, _ = _incident(
        police,
        "DEMO-DC-002",
        3,
        "vehicle-nuisance",
        "Cars racing in the car park most evenings.",
        MARKET_LANE,
        category="nuisance",
    )
    police_case = services.case_open(
        actor=police,
        title="Car cruising at Market Lane car park",
        incident_type=IncidentType.objects.get(code="vehicle-nuisance"),
        incidents=[car_park],
        location=MARKET_LANE,
    )
    services.case_transfer_propose(
        actor=police,
        case=police_case,
        to_organisation=durham.membership.organisation,
        reason="The car park is council land; a PSPO may be the answer.",
    )
    if stdout is not None:
        stdout.write(f"Demo cases: {Case.objects.count()} cases loaded.")
