"""Demo Case Review applications. Fictitious people; made online, verified by the ASB Champion
and evaluated at once so the demo shows a decision without waiting for the worker."""

from __future__ import annotations

import datetime as dt

from asb_cases.models import Case, IncidentType
from community_trigger import services
from community_trigger.models import Application
from partners.models import LocalAuthority, Organisation, User


def seed(stdout=None) -> None:
    if Application.objects.exists():
        if stdout is not None:
            stdout.write("Demo Case Reviews: already loaded.")
        return
    elm_court = Case.objects.filter(title="Noise and threats at Elm Court").first()
    champion = User.objects.get(username="champion@durham-opcc")
    met = services.application_submit(
        actor=None,
        applicant_name="Mabel Thornbury",
        applicant_email="mabel.thornbury@example.org",
        relationship=Application.Relationship.SELF,
        victim_given_name="Mabel",
        victim_family_name="Thornbury",
        victim_date_of_birth=dt.date(1948, 6, 2),
        problem_type=IncidentType.objects.get(code="noise"),
        problem_address="14 Elm Court, Bank Top",
        problem_postcode="DL1 4QT",
        local_authority=LocalAuthority.objects.get(code="E06000005"),
        description="Music and shouting from the flat above most nights since October. I have "
        "reported it to the council and the police and nothing has changed.",
        agencies_told=Organisation.objects.filter(
            slug__in=["darlington-borough-council", "durham-constabulary"]
        ),
        impact_statement="I have not slept properly for weeks. I am frightened to use the "
        "stairs in case he is there.",
        reading="for_victim",
        lead_case=elm_court,
    )
    services.application_verify(actor=champion, application=met)
    services.application_evaluate(application_id=met.pk)
    not_met = services.application_submit(
        actor=None,
        applicant_name="Priya Castleford",
        applicant_phone="01632 960 457",
        relationship=Application.Relationship.FAMILY,
        victim_consents=True,
        victim_given_name="Owen",
        victim_family_name="Castleford",
        victim_date_of_birth=dt.date(1979, 11, 23),
        problem_type=IncidentType.objects.get(code="drugs"),
        problem_address="Ash Grove",
        problem_postcode="DL14 6RW",
        local_authority=LocalAuthority.objects.get(code="E06000047"),
        description="People using drugs in the alley behind my brother's house.",
    )
    services.application_verify(actor=champion, application=not_met)
    services.application_evaluate(application_id=not_met.pk)
    if stdout is not None:
        stdout.write("Demo Case Reviews: 2 applications loaded.")
