"""The threshold rules at every edge (2014 Act s.104, Schedule 4; Durham and Darlington)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from community_trigger import services
from community_trigger.models import (
    Application,
    Evidence,
    Stage,
    ThresholdDecision,
    ThresholdPolicy,
)
from partners.models import LocalAuthority
from partners.working_days import add_working_days
from tests.community_trigger.conftest import DARLINGTON, apply_for, at, report
from tests.factories import make_person

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 12, 0)
Finding = Evidence.Finding


def decide(application):
    return services.application_evaluate(application_id=application.pk)


def findings(decision) -> list[str]:
    return list(
        decision.evidence.order_by("incident__occurred_at").values_list("finding", flat=True)
    )


@time_machine.travel(NOW, tick=False)
def test_three_qualifying_complaints_to_three_agencies_meet_the_threshold(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 8, 1, 21))
    report(cast.partner.officer, victim, occurred=at(2026, 9, 1, 21))
    report(cast.unrelated.officer, victim, occurred=at(2026, 10, 1, 21))
    application = apply_for(victim)
    decision = decide(application)
    assert decision.outcome == "met" and decision.route == "individual"
    application.refresh_from_db()
    assert application.stage == Stage.REVIEW
    assert application.threshold_met_at is not None
    assert application.meeting_due == add_working_days(NOW.date(), 10)


@time_machine.travel(NOW, tick=False)
def test_a_complaint_exactly_one_month_late_qualifies_one_day_later_does_not(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 8, 1, 21))
    report(
        cast.owner.officer, victim, occurred=at(2026, 9, 10, 21), reported=at(2026, 10, 10, 9)
    )  # exactly one month later
    report(
        cast.owner.officer, victim, occurred=at(2026, 9, 20, 21), reported=at(2026, 10, 21, 9)
    )  # one month and a day
    decision = decide(apply_for(victim))
    assert findings(decision) == [Finding.COUNTED, Finding.COUNTED, Finding.REPORTED_TOO_LATE]
    assert decision.outcome == "not_met"
    too_late = decision.evidence.get(finding=Finding.REPORTED_TOO_LATE)
    assert "more than 1 month after it happened" in too_late.explanation


@time_machine.travel(NOW, tick=False)
def test_the_window_is_exactly_six_months_before_the_application(cast, victim):
    # The application is received on 20 November 2026: the window starts at midnight, UK time,
    # on 20 May 2026.
    report(cast.owner.officer, victim, occurred=at(2026, 5, 19, 23), reported=at(2026, 5, 20, 0, 0))
    report(
        cast.owner.officer, victim, occurred=at(2026, 5, 19, 20), reported=at(2026, 5, 19, 23, 59)
    )
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    decision = decide(apply_for(victim))
    assert sorted(findings(decision)) == sorted(
        [Finding.OUTSIDE_WINDOW, Finding.COUNTED, Finding.COUNTED]
    )
    assert decision.counted == 2


@time_machine.travel(NOW, tick=False)
def test_one_incident_reported_to_two_agencies_counts_once(cast, victim):
    first = report(cast.owner.officer, victim, occurred=at(2026, 9, 1, 21))
    report(cast.partner.officer, victim, occurred=at(2026, 9, 1, 21), duplicate_of=first)
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    decision = decide(apply_for(victim))
    assert decision.outcome == "not_met"
    assert decision.counted == 2
    duplicate = decision.evidence.get(finding=Finding.DUPLICATE)
    assert "counted once" in duplicate.explanation


@time_machine.travel(NOW, tick=False)
def test_five_different_people_reporting_the_same_problem_meet_the_community_route(cast):
    applicant = make_person(
        cast.owner.officer, given_name="Pat", family_name="One", date_of_birth=dt.date(1970, 1, 1)
    )
    neighbours = [applicant] + [
        make_person(cast.owner.officer, given_name=f"N{i}", family_name="Neighbour")
        for i in range(3)
    ]
    for i, person in enumerate(neighbours):
        report(cast.partner.officer, person, occurred=at(2026, 10, 1 + i, 21))
    decision = decide(apply_for(applicant))
    assert decision.outcome == "not_met"
    assert decision.people_reporting == 4
    fifth = make_person(cast.owner.officer, given_name="N9", family_name="Neighbour")
    report(cast.unrelated.officer, fifth, occurred=at(2026, 10, 9, 21))
    decision = decide(Application.objects.get())
    assert decision.outcome == "met" and decision.route == "community"
    assert decision.people_reporting == 5


@time_machine.travel(NOW, tick=False)
def test_one_hate_incident_meets_the_threshold(cast, victim):
    report(
        cast.partner.officer,
        victim,
        occurred=at(2026, 11, 1, 21),
        type_code="verbal-abuse",
        hate_motivated=True,
        protected_characteristic="race",
        location=__import__("asb_cases.services", fromlist=["x"]).LocationInput(
            address="Town centre", postcode="DL1 1AA"
        ),
    )
    decision = decide(apply_for(victim))
    assert decision.outcome == "met" and decision.route == "hate"


@time_machine.travel(NOW, tick=False)
def test_the_policy_in_force_when_the_application_was_received_applies(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 9, 1, 21))
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    before = apply_for(victim)
    ThresholdPolicy.objects.create(
        local_authority=LocalAuthority.objects.get(code=DARLINGTON),
        version=2,
        effective_from=dt.date(2026, 11, 20),
        individual_count=2,
    )
    # Received under version 1 (three complaints): still not met with two.
    assert decide(before).outcome == "not_met"
    assert before.policy.version == 1
    after = apply_for(victim)
    assert after.policy.version == 2
    assert decide(after).outcome == "met"


def test_a_policy_can_never_need_more_than_three_complaints(cast):
    area = LocalAuthority.objects.get(code=DARLINGTON)
    with pytest.raises(ValidationError):
        services.policy_create(
            actor=cast.champion,
            local_authority=area,
            effective_from=dt.date(2026, 12, 1),
            individual_count=4,
        )


@time_machine.travel(at(2026, 12, 22, 10, 0), tick=False)
def test_clocks_count_working_days_without_bank_holidays(cast, victim):
    application = apply_for(victim)
    # 25, 26 (Saturday) and 28 (Boxing Day, observed) December and 1 January are not counted.
    assert application.check_due == dt.date(2026, 12, 31)
    assert application.tell_applicant_due == dt.date(2027, 1, 8)


@time_machine.travel(NOW, tick=False)
def test_a_different_problem_elsewhere_is_not_counted(cast, victim):
    from asb_cases.services import LocationInput

    report(
        cast.owner.officer,
        victim,
        occurred=at(2026, 10, 1, 21),
        type_code="fly-tipping",
        location=LocationInput(address="Park", postcode="DL3 6ST"),
    )
    decision = decide(apply_for(victim))
    assert findings(decision) == [Finding.DIFFERENT_PROBLEM]


@time_machine.travel(NOW, tick=False)
def test_evaluating_again_on_the_same_facts_records_nothing_new(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    application = apply_for(victim)
    first = decide(application)
    second = decide(application)
    assert first.pk == second.pk
    assert ThresholdDecision.objects.count() == 1
    report(cast.partner.officer, victim, occurred=at(2026, 10, 5, 21))
    assert decide(application).pk != first.pk  # new facts, a new decision


@time_machine.travel(NOW, tick=False)
def test_unlinked_reports_of_the_same_moment_are_counted_but_flagged(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21, 0))
    report(cast.partner.officer, victim, occurred=at(2026, 10, 1, 21, 30))
    decision = decide(apply_for(victim))
    assert decision.counted == 2
    assert decision.evidence.filter(explanation__contains="possibly the same incident").exists()


class TestDiscretion:
    @time_machine.travel(NOW, tick=False)
    def test_not_met_goes_to_the_champion_who_may_use_discretion(self, cast, victim):
        application = apply_for(victim)
        decide(application)
        application.refresh_from_db()
        assert application.stage == Stage.AWAITING_DISCRETION
        decision = services.application_decide_discretion(
            actor=cast.champion,
            application=application,
            outcome="met",
            route="harm",
            reasons="High risk to an elderly victim living alone",
        )
        assert decision.is_discretionary and not decision.automatic
        application.refresh_from_db()
        assert application.stage == Stage.REVIEW

    @time_machine.travel(NOW, tick=False)
    def test_a_bad_practice_caveat_is_never_applied_silently(self, cast, victim):
        application = apply_for(victim)
        decide(application)
        with pytest.raises(ValidationError) as error:
            services.application_decide_discretion(
                actor=cast.champion,
                application=application,
                outcome="not_met",
                reasons="The case is still open",
                caveats=["case_open"],
            )
        assert "caveat_justification" in error.value.message_dict
        decision = services.application_decide_discretion(
            actor=cast.champion,
            application=application,
            outcome="not_met",
            reasons="Enforcement is under way",
            caveats=["case_open"],
            caveat_justification="A closure order hearing is listed for next week",
        )
        assert decision.caveats == ["case_open"]
        application.refresh_from_db()
        assert application.stage == Stage.NOT_MET
        assert application.appeal_window_ends == add_working_days(NOW.date(), 20)

    def test_only_the_champion_decides(self, cast, victim):
        application = apply_for(victim)
        decide(application)
        with pytest.raises(Exception, match="ASB Champion"):
            services.application_decide_discretion(
                actor=cast.owner.supervisor,
                application=application,
                outcome="met",
                route="harm",
                reasons="x",
            )
