"""The victim's feedback: a single-use, expiring link sent through the outbox when a case or a
Case Review closes; a short survey; a dashboard by organisation and period whose free text only
the lead organisation reads."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import Client
from django.utils import timezone

from feedback import services
from feedback.models import SurveyInvitation, SurveyResponse
from tests.conftest import client_for
from tests.feedback.helpers import close_case_with_victim, survey_link_after_closing

ANSWERS = {
    "satisfaction": "fairly_satisfied",
    "listened_to": "yes",
    "would_report_again": "yes",
    "comments": "The officer kept me informed.",
}


def test_closing_a_case_sends_one_link_and_the_survey_takes_it_once(cast):
    path = survey_link_after_closing(cast.owner.officer)
    invitation = SurveyInvitation.objects.get()
    assert invitation.organisation == cast.owner.organisation
    assert path.split("/")[2] not in invitation.token_hash  # only the hash is kept
    # The task is idempotent: a second run sends nothing.
    assert services.survey_invite_after_case(case_id=invitation.case_id) == 0
    assert len(mail.outbox) == 1

    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert "How satisfied are you" in page.content.decode()
    empty = client.post(path, {})
    body = empty.content.decode()
    assert "govuk-error-summary" in body and "Error: " in body
    assert "Select whether you felt listened to" in body
    assert not SurveyResponse.objects.exists()

    assert client.post(path, ANSWERS).status_code == 302
    response = SurveyResponse.objects.get()
    assert response.satisfied and response.organisation == cast.owner.organisation
    reused = client.post(path, ANSWERS | {"satisfaction": "very_dissatisfied"})
    assert reused.status_code == 410
    assert "You have already told us what you think" in reused.content.decode()
    assert SurveyResponse.objects.get().satisfaction == "fairly_satisfied"  # nothing lost


def test_an_expired_or_unknown_link_gets_a_clear_page(cast):
    path = survey_link_after_closing(cast.owner.officer)
    SurveyInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = Client().get(path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert Client().post(path, ANSWERS).status_code == 410
    unknown = Client().get("/feedback/not-a-real-token/")
    assert unknown.status_code == 404
    assert "This link does not work" in unknown.content.decode()
    assert not SurveyResponse.objects.exists()


def test_no_email_no_invitation(cast):
    case = close_case_with_victim(cast.owner.officer, email="")
    assert services.survey_invite_after_case(case_id=case.pk) == 0
    assert not SurveyInvitation.objects.exists()


def test_the_dashboard_counts_by_organisation_and_shows_free_text_to_the_lead_only(cast):
    path = survey_link_after_closing(cast.owner.officer)
    Client().post(path, ANSWERS)
    owner = client_for(cast.owner.analyst).get("/feedback/dashboard/").content.decode()
    assert "Test Housing" in owner and "1 (100.0%)" in owner
    assert "The officer kept me informed." in owner
    for other in (cast.partner.officer, cast.unrelated.analyst, cast.champion):
        page = client_for(other).get("/feedback/dashboard/").content.decode()
        assert "Test Housing" in page  # the counts, by organisation
        assert "The officer kept me informed." not in page
    last_year = client_for(cast.owner.analyst).get(
        "/feedback/dashboard/", {"year": str(timezone.localdate().year - 2)}
    )
    assert "No responses in this year." in last_year.content.decode()
    assert Client().get("/feedback/dashboard/").status_code == 302


def test_a_completed_case_review_invites_its_applicant_through_the_outbox(cast):
    from community_trigger.models import Application
    from community_trigger.signals import review_completed
    from partners.models import OutboxTask
    from tests.community_trigger.conftest import apply_for
    from tests.factories import make_person

    application = apply_for(make_person(cast.owner.officer, given_name="Iris", family_name="Vale"))
    assert services.survey_invite_after_review(application_id=application.pk) == 0  # still open
    Application.objects.filter(pk=application.pk).update(stage="completed")
    review_completed.send(sender=Application, application_id=application.pk)
    task = OutboxTask.objects.get(task_name="feedback.invite_after_review")
    assert services.survey_invite_after_review(**task.kwargs) == 1
    assert services.survey_invite_after_review(**task.kwargs) == 0
    invitation = SurveyInvitation.objects.get()
    assert invitation.closure == "review"
    assert invitation.email == "applicant@example.org"
    assert invitation.organisation == cast.pcc.organisation  # no lead case: the coordinator
