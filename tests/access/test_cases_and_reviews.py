"""A partner cannot pass another agency's records on, and the Case Review shows each agency only
what it may see (issue 10, items 5, 6, 8 and 11)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from asb_cases import services as case_services
from asb_cases.services import LocationInput
from community_trigger import services as review_services
from community_trigger.models import ApplicationStatement, Evidence
from tests.access.conftest import assert_none_of
from tests.community_trigger.conftest import apply_for, at, report
from tests.conftest import client_for
from tests.factories import make_case, make_incident, share_case
from victims.models import Person

pytestmark = pytest.mark.django_db


# 5. A case may take only incidents reported to the caller, or on cases it leads -------------


def test_a_view_partner_cannot_open_a_case_with_the_leads_incident_and_share_it_on(
    cast, ivy, api_for
):
    share_case(ivy.case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    incident = ivy.case.incidents.get()
    police = client_for(cast.partner.officer)
    assert police.get(f"/incidents/{incident.uuid}/").status_code == 200  # they may read it
    assert police.get(f"/cases/new/?incident={incident.uuid}").status_code == 404
    response = police.post(
        "/cases/new/",
        {
            "incidents": [str(incident.uuid)],
            "title": "Ours now",
            "incident_type": incident.incident_type_id,
            "risk_band": "standard",
            "duplicates_reviewed": "1",
        },
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        case_services.case_open(
            actor=cast.partner.officer,
            title="Ours now",
            incident_type=incident.incident_type,
            incidents=[incident],
        )
    created = api_for(cast.partner.organisation).post(
        "/api/v1/cases/",
        {"title": "Ours now", "incident_type": "noise", "incidents": [str(incident.uuid)]},
    )
    assert created.status_code == 400 and "incidents" in created.json()["errors"]
    # Nor onto a case it leads.
    own = make_case(cast.partner.officer)
    assert police.post(
        f"/cases/{own.uuid}/incidents/add/", {"incident": str(incident.uuid)}
    ).status_code in (200, 404)
    assert not own.incidents.filter(pk=incident.pk).exists()
    with pytest.raises(PermissionDenied):
        case_services.case_link_incident(actor=cast.partner.officer, case=own, incident=incident)
    # So the council, which was never shared anything, reads nothing of it.
    council = client_for(cast.unrelated.officer)
    assert council.get(f"/incidents/{incident.uuid}/").status_code == 404


def test_the_lead_may_put_an_incident_from_a_case_it_leads_on_another_case(cast, ivy):
    incident = ivy.case.incidents.get()
    second = make_case(cast.owner.officer, incidents=[incident], title="The same problem")
    assert second.incidents.filter(pk=incident.pk).exists()


# 6. An application shows the statements made with it, and those the viewer may see anyway ---


def test_an_application_naming_a_person_shows_no_other_agencys_impact_statements(cast, ivy):
    victim_page = f"/cases/{ivy.case.uuid}/people/{ivy.person.uuid}/statements/add/"
    client_for(cast.owner.officer).post(
        victim_page, {"text": "HOUSING-ONLY: I dread the stairs.", "reading": "for_victim"}
    )
    # The council records an application about the same person, with its own statement.
    application = apply_for(
        ivy.person,
        actor=cast.unrelated.officer,
        impact_statement="COUNCIL: I cannot sleep.",
        reading="for_victim",
    )
    assert application.victim == ivy.person
    council = client_for(cast.unrelated.officer)
    page = council.get(f"/case-reviews/{application.uuid}/").content.decode()
    assert "COUNCIL: I cannot sleep." in page
    assert "HOUSING-ONLY" not in page
    agenda = council.get(f"/case-reviews/{application.uuid}/agenda/").content.decode()
    assert "HOUSING-ONLY" not in agenda
    # The ASB Champion runs the review from the application's own statement, too.
    champion = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/")
    assert "HOUSING-ONLY" not in champion.content.decode()
    # The owner, who recorded it on its case, sees it there as it always did.
    owner = client_for(cast.owner.officer).get(f"/people/{ivy.person.uuid}/").content.decode()
    assert "HOUSING-ONLY" in owner


# 8. A public application touches no one's records until the applicant is verified ----------


def test_a_public_application_stays_on_the_application_until_staff_verify_it(cast, ivy):
    for days, officer in ((50, cast.owner.officer), (30, cast.owner.officer)):
        make_incident(officer, victim=ivy.person, days_ago=days)
    application = apply_for(ivy.person, verify=False)
    assert application.victim is None and not application.is_verified
    assert review_services.application_evaluate(application_id=application.pk) is None
    assert not application.decisions.exists()
    statement = Client().post(
        "/case-review/statement/",
        {
            "reference": application.reference,
            "postcode": "DL1 4QT",
            "text": "STRANGER: attach me to her record",
            "reading": "by_victim",
        },
    )
    assert statement.status_code == 200
    assert ApplicationStatement.objects.get().application == application
    assert not ivy.person.statements.exists()
    assert (
        "STRANGER"
        not in client_for(cast.owner.officer).get(f"/people/{ivy.person.uuid}/").content.decode()
    )

    status = Client().post(
        "/case-review/status/", {"reference": application.reference, "postcode": "DL1 4QT"}
    )
    content = status.content.decode()
    assert "We have your application" in content
    assert_none_of(content, "Threshold", "threshold not met", "Counted", "incidents", "Lonsdale")

    # Verified by the ASB Champion: only now is she matched and the threshold checked.
    review_services.application_verify(
        actor=cast.champion, application=application, person=ivy.person
    )
    review_services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    assert application.victim == ivy.person and application.decisions.exists()
    # Still nothing on the public page before the applicant has been told.
    before = Client().post(
        "/case-review/status/", {"reference": application.reference, "postcode": "DL1 4QT"}
    )
    assert "We have your application" in before.content.decode()
    assert_none_of(before.content.decode(), "not take place", "Counted")


def test_only_the_champion_verifies_and_only_once(cast, ivy):
    application = apply_for(ivy.person, verify=False)
    with pytest.raises(PermissionDenied):
        review_services.application_verify(actor=cast.owner.officer, application=application)
    review_services.application_verify(actor=cast.champion, application=application)
    application.refresh_from_db()
    assert application.victim is not None
    assert Person.objects.count() == 1  # matched on name and date of birth, not keyed again


# 11. Evidence about an incident the viewer may not see is its date and agency only ----------


def test_evidence_describes_only_incidents_the_viewer_may_see(cast, ivy, api_for):
    # Something else the police know of her, elsewhere: the engine considers it, and explains
    # why it does not count by naming what it was. Evenings 90 and 60 days before the
    # application (made now): inside its six months whatever the day (fixed dates in 2026
    # fell outside it from March 2027, and the explanation then named the window instead).
    def evening(days_ago: int) -> dt.datetime:
        day = timezone.localdate() - dt.timedelta(days=days_ago)
        return at(day.year, day.month, day.day, 21)

    report(
        cast.partner.officer,
        ivy.person,
        occurred=evening(90),
        type_code="drugs",
        location=LocationInput(address="1 Far Lane", postcode="DH1 3NJ"),
    )
    report(cast.owner.officer, ivy.person, occurred=evening(60))
    application = apply_for(ivy.person, actor=cast.owner.officer, lead_case=ivy.case)
    review_services.application_evaluate(application_id=application.pk)
    # What the engine stored about the police's report names its type; the owner, which cannot
    # see that report, must not read it.
    police_line = Evidence.objects.get(incident__reported_to=cast.partner.organisation)
    assert "Drugs" in police_line.explanation
    viewer = client_for(cast.owner.officer)
    page = viewer.get(f"/case-reviews/{application.uuid}/").content.decode()
    assert "Drugs" not in page and "different problem" not in page.lower()
    assert "Ask Test Police" in page
    answer = api_for(cast.owner.organisation).get(f"/api/v1/case-reviews/{application.uuid}/")
    police = [
        line
        for decision in answer.json()["decisions"]
        for line in decision["evidence"]
        if line["reported_to"] == cast.partner.organisation.slug
    ]
    assert police and all(
        line["incident"] is None and line["finding"] is None and line["explanation"] is None
        for line in police
    )
    assert "drugs" not in answer.content.decode().lower()
    # The ASB Champion, running the review, reads every incident it considered.
    champion = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/")
    assert "Drugs" in champion.content.decode()
