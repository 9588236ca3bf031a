"""Risk assessment, contact standards, referrals, impact statements and consent."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from access.viewer import viewer_for
from asb_cases.models import CaseShare, ImpactStatement, RiskAssessment, SupportReferral
from partners.models import AuditEvent
from partners.working_days import add_working_days, working_days_between
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case
from victims.models import RiskQuestionnaire
from victims.selectors import my_victims

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def victim_case(cast):
    victim = make_person(cast.owner.officer, given_name="Ivy", family_name="Lonsdale")
    case = make_case(
        cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=victim)]
    )
    return victim, case


def answers(questionnaire, yes: int) -> dict:
    """Say yes to the heaviest `yes` questions."""
    questions = sorted(questionnaire.questions.all(), key=lambda q: -q.weight)
    return {f"question_{q.pk}": ("yes" if i < yes else "no") for i, q in enumerate(questions)}


class TestRiskAssessment:
    def test_scoring_banding_reviews_and_the_referral_prompt(self, cast, victim_case):
        victim, case = victim_case
        questionnaire = RiskQuestionnaire.objects.get(version=1)
        client = client_for(cast.owner.officer)
        url = f"/cases/{case.uuid}/people/{victim.uuid}/risk/"
        response = client.post(url, answers(questionnaire, yes=10))
        assert response.status_code == 302
        assessment = RiskAssessment.objects.get()
        heaviest = sorted((q.weight for q in questionnaire.questions.all()), reverse=True)
        assert assessment.score == sum(heaviest[:10])
        assert assessment.band == "high"
        assert assessment.referral_prompted
        today = dt.date.fromisoformat(assessment.assessed_at.astimezone(LONDON).date().isoformat())
        assert assessment.review_dates == [str(today + dt.timedelta(days=d)) for d in (14, 28, 56)]
        case.refresh_from_db()
        assert case.risk_band == "high"  # the case takes the victim's assessed band
        page = client.get(f"/cases/{case.uuid}/people/{victim.uuid}/").content.decode()
        assert "prompts a referral to victim support" in page

    def test_reassessment_keeps_history(self, cast, victim_case):
        victim, case = victim_case
        questionnaire = RiskQuestionnaire.objects.get(version=1)
        client = client_for(cast.owner.officer)
        url = f"/cases/{case.uuid}/people/{victim.uuid}/risk/"
        client.post(url, answers(questionnaire, yes=10))
        client.post(url, answers(questionnaire, yes=0))
        first, second = RiskAssessment.objects.order_by("assessed_at", "id")
        assert second.supersedes == first
        assert second.band == "standard"
        assert first.next_review_on is None  # superseded
        assert RiskAssessment.objects.count() == 2

    def test_every_question_must_be_answered(self, cast, victim_case):
        victim, case = victim_case
        response = client_for(cast.owner.officer).post(
            f"/cases/{case.uuid}/people/{victim.uuid}/risk/", {"notes": "partial"}
        )
        assert response.status_code == 200
        assert "Answer yes or no" in response.content.decode()
        assert not RiskAssessment.objects.exists()

    def test_a_view_only_partner_cannot_assess(self, cast, victim_case):
        victim, case = victim_case
        share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
        client = client_for(cast.partner.officer)
        url = f"/cases/{case.uuid}/people/{victim.uuid}/risk/"
        assert client.get(url).status_code == 403
        assert client_for(cast.unrelated.officer).get(url).status_code == 404


class TestContactStandards:
    def test_working_days_skip_weekends_and_bank_holidays(self):
        # Christmas 2026: Friday 25th, Boxing Day observed Monday 28th.
        assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
        assert working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 31)) == 3

    def test_a_high_risk_victim_not_contacted_within_a_working_day_is_overdue(
        self, cast, victim_case
    ):
        victim, case = victim_case
        from asb_cases.services import case_update_details

        case_update_details(
            actor=cast.owner.officer, case=case, expected_version=case.version, risk_band="high"
        )
        opened = case.opened_at.astimezone(LONDON).date()
        later = add_working_days(opened, 2)
        with time_machine.travel(dt.datetime.combine(later, dt.time(12), LONDON), tick=False):
            row = next(
                r for r in my_victims(viewer=viewer_for(cast.owner.officer)) if r.person == victim
            )
            assert row.contact.overdue
            page = client_for(cast.owner.officer).get("/people/").content.decode()
            assert "not been contacted within the standard" in page
            client_for(cast.owner.officer).post(
                f"/cases/{case.uuid}/people/{victim.uuid}/contacts/add/",
                {
                    "contacted_at-day": later.day,
                    "contacted_at-month": later.month,
                    "contacted_at-year": later.year,
                    "contacted_at-hour": "9",
                    "contacted_at-minute": "30",
                    "method": "phone",
                    "made_contact": "yes",
                    "summary": "Agreed a visit on Friday",
                },
            )
            row = next(
                r for r in my_victims(viewer=viewer_for(cast.owner.officer)) if r.person == victim
            )
            assert not row.contact.overdue
            assert row.contact.due_on == add_working_days(later, 5)

    def test_a_supervisor_sees_the_teams_victims(self, cast, victim_case):
        team = client_for(cast.owner.supervisor).get("/people/?team=1").content.decode()
        assert "Ivy Lonsdale" in team
        mine = client_for(cast.owner.supervisor).get("/people/").content.decode()
        assert "Ivy Lonsdale" not in mine  # the supervisor does not lead the case


class TestStatements:
    def test_a_correction_is_a_new_version_and_the_original_is_untouched(self, cast, victim_case):
        victim, case = victim_case
        client = client_for(cast.owner.officer)
        base = f"/cases/{case.uuid}/people/{victim.uuid}/statements/"
        client.post(base + "add/", {"text": "I cannot sleep.", "reading": "for_victim"})
        original = ImpactStatement.objects.get()
        response = client.post(
            base + f"{original.uuid}/correct/",
            {
                "text": "I cannot sleep and I am scared to go out.",
                "reading": "by_victim",
                "correction_note": "Victim asked to add a sentence",
            },
        )
        assert response.status_code == 302
        original.refresh_from_db()
        assert original.text == "I cannot sleep." and original.version == 1
        corrected = ImpactStatement.objects.get(version=2)
        assert corrected.statement_id == original.statement_id
        assert corrected.reading == "by_victim"

    def test_a_correction_needs_a_note(self, cast, victim_case):
        victim, case = victim_case
        client = client_for(cast.owner.officer)
        base = f"/cases/{case.uuid}/people/{victim.uuid}/statements/"
        client.post(base + "add/", {"text": "I cannot sleep.", "reading": "for_victim"})
        original = ImpactStatement.objects.get()
        response = client.post(
            base + f"{original.uuid}/correct/", {"text": "Changed", "reading": "for_victim"}
        )
        assert "Say what was corrected" in response.content.decode()
        assert ImpactStatement.objects.count() == 1


def test_referrals_are_tracked_to_an_outcome(cast, victim_case):
    victim, case = victim_case
    client = client_for(cast.owner.officer)
    base = f"/cases/{case.uuid}/people/{victim.uuid}/referrals/"
    client.post(base + "add/", {"service": "victim_support", "reason": "High risk score"})
    referral = SupportReferral.objects.get()
    client.post(base + f"{referral.uuid}/", {"status": "completed", "outcome": "Six sessions"})
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.outcome == "Six sessions"
    assert AuditEvent.objects.get(action="referral_update").detail["status"] == {
        "before": "made",
        "after": "completed",
    }


class TestConsent:
    def test_withdrawing_consent_flags_shares_and_stops_further_sharing(self, cast, victim_case):
        victim, case = victim_case
        share = share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
        client = client_for(cast.owner.officer)
        client.post(
            f"/people/{victim.uuid}/consent/",
            {
                "given_on-day": "1",
                "given_on-month": "10",
                "given_on-year": "2026",
                "scope": "partnership",
            },
        )
        response = client.post(
            f"/people/{victim.uuid}/consent/",
            {"withdrawn_on-day": "2", "withdrawn_on-month": "10", "withdrawn_on-year": "2026"},
        )
        assert response.status_code == 302
        share.refresh_from_db()
        assert share.needs_review
        assert "Review: consent withdrawn" in client.get(f"/cases/{case.uuid}/").content.decode()
        with pytest.raises(ValidationError, match="withdrew consent to share"):
            share_case(case, by=cast.owner.officer, with_organisation=cast.contributor.organisation)
        assert CaseShare.objects.count() == 1

    def test_consent_dates_in_the_future_are_refused(self, cast, victim_case):
        victim, _ = victim_case
        response = client_for(cast.owner.officer).post(
            f"/people/{victim.uuid}/consent/",
            {
                "given_on-day": "1",
                "given_on-month": "1",
                "given_on-year": "2999",
                "scope": "partnership",
            },
        )
        assert "The date must be in the past" in response.content.decode()
