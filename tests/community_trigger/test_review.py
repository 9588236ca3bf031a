"""Running a review: who sees what, the meeting, the action plan agreed with the victim, the
outcome, recommendations tracked to completion, appeals and policies."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community_trigger import services
from community_trigger.models import Recommendation, Stage
from partners.models import LocalAuthority, Notification
from tests.community_trigger.conftest import apply_for, report
from tests.conftest import client_for
from tests.factories import make_case, share_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def met_application(cast, victim):
    now = timezone.now()
    for days, officer in (
        (60, cast.owner.officer),
        (40, cast.partner.officer),
        (20, cast.unrelated.officer),
    ):
        report(officer, victim, occurred=now - dt.timedelta(days=days))
    case = make_case(cast.owner.officer, incidents=[])
    application = apply_for(victim, lead_case=case)
    services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    assert application.stage == Stage.REVIEW
    return application


def test_the_champion_sees_every_application_an_unrelated_agency_none(cast, met_application):
    url = f"/case-reviews/{met_application.uuid}/"
    champion = client_for(cast.champion).get(url).content.decode()
    assert met_application.reference in champion
    assert "Counted" in champion
    assert client_for(cast.contributor.officer).get(url).status_code == 404
    listing = client_for(cast.contributor.officer).get("/case-reviews/").content.decode()
    assert met_application.reference not in listing


def test_evidence_describes_only_incidents_the_viewer_may_see(cast, met_application):
    owner = client_for(cast.owner.officer).get(f"/case-reviews/{met_application.uuid}/")
    content = owner.content.decode()
    # The owner leads the case the application is about: it sees the application, its own
    # incident described, and the others as a date and an agency.
    assert "Details held by Test Police" in content
    assert "Details held by Test Borough Council" in content
    assert content.count("Details held by") == 2


def test_the_review_runs_to_an_outcome_agreed_with_the_victim(cast, met_application):
    application = met_application
    assert Notification.objects.filter(user=cast.champion, key__contains="review").exists()
    meeting = services.meeting_schedule(
        actor=cast.champion,
        application=application,
        scheduled_for=timezone.now() + dt.timedelta(days=5),
        location="Darlington Town Hall",
        invited=[cast.owner.organisation, cast.partner.organisation],
        victim_participation="statement_read",
        independent_chair_name="Jo Mills, Fire Service",
    )
    assert Notification.objects.filter(
        user=cast.partner.officer, key=f"meeting:{meeting.uuid}:invited"
    ).exists()
    # The invited police can now see the application.
    assert (
        client_for(cast.partner.officer).get(f"/case-reviews/{application.uuid}/").status_code
        == 200
    )
    services.meeting_record_held(
        actor=cast.champion, meeting=meeting, minutes="Reviewed", held_at=timezone.now()
    )
    recommendation = services.recommendation_add(
        actor=cast.champion,
        application=application,
        text="Joint visit to the perpetrator",
        lead_organisation=cast.partner.organisation,
        lead_person="PC Hall",
        due_on=timezone.localdate() + dt.timedelta(days=14),
        meeting=meeting,
    )
    with pytest.raises(ValidationError, match="Consult the victim"):
        services.outcome_send(actor=cast.champion, application=application)
    services.plan_consult_victim(
        actor=cast.champion,
        application=application,
        comments="Happy with the plan; wants a named contact",
    )
    services.outcome_send(actor=cast.champion, application=application)
    application.refresh_from_db()
    assert application.stage == Stage.COMPLETED
    assert application.plan_finalised_at and application.outcome_sent_at
    with pytest.raises(ValidationError, match="final"):
        services.recommendation_add(
            actor=cast.champion,
            application=application,
            text="Late",
            lead_person="x",
            lead_organisation=cast.owner.organisation,
            due_on=timezone.localdate(),
        )
    letter = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/letter/")
    assert "Joint visit to the perpetrator" in letter.content.decode()
    # The lead agency tracks its recommendation to completion.
    response = client_for(cast.partner.supervisor).post(
        f"/case-reviews/recommendations/{recommendation.uuid}/",
        {"status": "completed", "progress": "Visit made on Monday"},
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.COMPLETED
    assert recommendation.completed_at is not None


def test_the_agenda_pack_shows_the_case_only_to_those_it_is_shared_with(cast, met_application):
    application = met_application
    services.meeting_schedule(
        actor=cast.champion,
        application=application,
        scheduled_for=timezone.now() + dt.timedelta(days=5),
        location="Online",
        invited=[cast.owner.organisation],
        victim_participation="neither",
        chair=cast.champion,
    )
    champion = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/agenda/")
    assert "has not been shared with your organisation" in champion.content.decode()
    share_case(
        application.lead_case, by=cast.owner.officer, with_organisation=cast.pcc.organisation
    )
    champion = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/agenda/")
    assert application.lead_case.reference in champion.content.decode()


def test_only_the_champion_runs_the_review(cast, met_application):
    client = client_for(cast.owner.supervisor)
    url = f"/case-reviews/{met_application.uuid}/meetings/new/"
    assert client.get(url).status_code == 403
    assert client_for(cast.unrelated.supervisor).get(url).status_code == 404


def test_deadlines_are_told_to_the_champion_once(cast, met_application):
    application = met_application
    later = application.meeting_due + dt.timedelta(days=3)
    sent = services.deadlines_check(today=later)
    assert sent >= 1
    key = f"deadline:{application.reference}:meeting:overdue"
    assert Notification.objects.filter(user=cast.champion, key=key).count() == 1
    services.deadlines_check(today=later)
    assert Notification.objects.filter(user=cast.champion, key=key).count() == 1


def test_a_new_policy_version_is_made_by_the_champion(cast):
    client = client_for(cast.champion)
    page = client.get("/case-reviews/policies/").content.decode()
    assert "Darlington: version 1" in page
    response = client.post(
        "/case-reviews/policies/E06000005/new/",
        {
            "effective_from-day": "1",
            "effective_from-month": "1",
            "effective_from-year": "2027",
            "individual_count": "4",
            "window_months": "6",
            "report_within_months": "1",
            "community_count": "5",
            "hate_count": "1",
            "check_working_days": "5",
            "tell_applicant_working_days": "10",
            "meeting_working_days": "10",
            "outcome_working_days": "5",
            "appeal_working_days": "20",
        },
    )
    assert "The law sets the threshold at 3 complaints at most" in response.content.decode()
    assert client_for(cast.owner.officer).get("/case-reviews/policies/").status_code == 403


def test_staff_record_an_application_for_a_caller(cast, victim):
    from asb_cases.models import IncidentType

    response = client_for(cast.owner.officer).post(
        "/case-reviews/new/",
        {
            "channel": "phone",
            "relationship": "self",
            "applicant_name": "Mabel Thornbury",
            "applicant_phone": "01632 960 118",
            "victim_given_name": "Mabel",
            "victim_family_name": "Thornbury",
            "victim_date_of_birth-day": "2",
            "victim_date_of_birth-month": "6",
            "victim_date_of_birth-year": "1948",
            "problem_type": IncidentType.objects.get(code="noise").pk,
            "problem_postcode": "DL1 4QT",
            "local_authority": LocalAuthority.objects.get(code="E06000005").pk,
            "description": "Phoned in",
            "hate_motivated": "no",
        },
    )
    assert response.status_code == 302
    from community_trigger.models import Application

    application = Application.objects.get()
    assert application.source == "staff" and application.recorded_by == cast.owner.officer
    assert application.victim == victim  # the same person, found by name and date of birth
