"""Issue 14, part A: what the ASB Champion and a victim found wrong, mended — evidence labelled
with the route each incident counts towards (totals agree with the rows), the meeting's actual
date, the applicant matched to a person as the officer's form matches, and one definition of
"the same problem" for the engine and the sweep."""

import re

import pytest
import time_machine
from django.core.exceptions import ValidationError

from community_trigger import services
from community_trigger.models import Application, Evidence, Stage, SweepAlert, VictimMatch
from community_trigger.sweep import sweep
from partners.models import LocalAuthority
from tests.community_trigger.conftest import DARLINGTON, ELM_COURT, apply_for, at, report
from tests.conftest import client_for
from tests.factories import make_person

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 12, 0)
Finding = Evidence.Finding


def rows_and_totals(content: str) -> tuple[list[str], dict[str, int]]:
    findings = re.findall(r'data-finding="([a-z_]*)"', content)
    totals = {
        name: int(value) for name, value in re.findall(r'data-total="([a-z_]+)">(\d+)<', content)
    }
    return findings, totals


@time_machine.travel(NOW, tick=False)
def test_three_agencies_incidents_rows_and_totals_agree(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 8, 1, 21), description="Owner's own")
    report(cast.partner.officer, victim, occurred=at(2026, 9, 1, 21), description="Police note")
    report(cast.unrelated.officer, victim, occurred=at(2026, 10, 1, 21), description="Third one")
    # Someone else at the same postcode, about something else: a different problem.
    neighbour = make_person(cast.partner.officer, given_name="Ned", family_name="Other")
    report(
        cast.partner.officer,
        neighbour,
        occurred=at(2026, 10, 5, 21),
        type_code="drugs",
        description="Neighbour's private account of a drugs issue",
    )
    application = apply_for(victim)
    decision = services.application_evaluate(application_id=application.pk)
    assert decision.outcome == "met" and decision.counted == 3
    counted = decision.evidence.filter(finding=Finding.COUNTED)
    assert counted.count() == 3
    assert all("individual" in row.routes for row in counted)
    assert sorted(counted.values_list("incident__reported_to", flat=True)) == sorted(
        [cast.owner.organisation.pk, cast.partner.organisation.pk, cast.unrelated.organisation.pk]
    )
    other = decision.evidence.get(incident__victim=neighbour)
    assert other.finding == Finding.SOMEONE_ELSE and other.routes == []

    page = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/").content.decode()
    findings, totals = rows_and_totals(page)
    assert findings.count("counted") == totals["counted"] == decision.counted == 3
    assert totals["individual"] == 3 and totals["not_counted"] == 1
    assert "Counts towards the individual route" in page
    assert "Someone else&#x27;s report" in page or "Someone else's report" in page
    # The Champion reads the victim's own incidents, not another victim's account.
    assert "Police note" in page and "Third one" in page
    assert "private account of a drugs issue" not in page
    # The API says the same.
    api = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/agenda/")
    assert "private account of a drugs issue" not in api.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_neighbours_same_problem_counts_on_the_community_route_only(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    neighbour = make_person(cast.partner.officer, given_name="Ned", family_name="Other")
    report(cast.partner.officer, neighbour, occurred=at(2026, 10, 2, 21))
    decision = services.application_evaluate(application_id=apply_for(victim).pk)
    theirs = decision.evidence.get(incident__victim=neighbour)
    assert theirs.finding == Finding.COUNTED and theirs.routes == ["community"]
    assert decision.counted == 1 and decision.people_reporting == 2


def _met_application(cast, victim):
    for agency, month in ((cast.owner, 8), (cast.partner, 9), (cast.unrelated, 10)):
        report(agency.officer, victim, occurred=at(2026, month, 1, 21))
    application = apply_for(victim)
    services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    assert application.stage == Stage.REVIEW
    return application


@time_machine.travel(NOW, tick=False)
def test_a_meeting_cannot_be_recorded_as_held_before_it_happens(cast, victim):
    application = _met_application(cast, victim)
    meeting = services.meeting_schedule(
        actor=cast.champion,
        application=application,
        scheduled_for=at(2026, 12, 5, 10),
        location="Town Hall",
        invited=[cast.owner.organisation],
        victim_participation="neither",
        independent_chair_name="Jo Mills",
    )
    url = f"/case-reviews/{application.uuid}/meetings/{meeting.uuid}/minutes/"
    champion = client_for(cast.champion)
    future = {
        "held_at-day": "5",
        "held_at-month": "12",
        "held_at-year": "2026",
        "held_at-hour": "10",
        "held_at-minute": "0",
        "minutes": "Reviewed",
    }
    response = champion.post(url, future)
    content = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in content
    assert "must be in the past" in content
    meeting.refresh_from_db()
    application.refresh_from_db()
    assert meeting.status == "scheduled" and application.stage == Stage.REVIEW
    # Not counted as a review carried out.
    from community_trigger.selectors import published_figures

    assert [f.reviews for f in published_figures()] == [0]
    with pytest.raises(ValidationError, match="must be in the past"):
        services.meeting_record_held(
            actor=cast.champion, meeting=meeting, minutes="x", held_at=at(2026, 12, 5, 10)
        )
    # Held, in fact, earlier than planned: recorded at the actual time.
    past = future | {"held_at-day": "19", "held_at-month": "11", "held_at-hour": "14"}
    assert champion.post(url, past).status_code == 302
    meeting.refresh_from_db()
    application.refresh_from_db()
    assert meeting.held_at == at(2026, 11, 19, 14, 0)
    assert application.stage == Stage.MEETING_HELD
    assert [f.reviews for f in published_figures()] == [1]
    letter = champion.get(f"/case-reviews/{application.uuid}/letter/").content.decode()
    assert "took place on 19 November 2026" in letter
    assert "20 November 2026, chaired" not in letter


@time_machine.travel(NOW, tick=False)
def test_no_date_of_birth_and_a_slip_in_the_surname_still_find_the_victim(cast, victim):
    for agency, month in ((cast.owner, 8), (cast.partner, 9), (cast.unrelated, 10)):
        report(agency.officer, victim, occurred=at(2026, month, 1, 21))
    # Recorded by staff without a date of birth, the surname one letter out.
    application = services.application_submit(
        actor=cast.owner.officer,
        applicant_name="Mabel Thornbery",
        applicant_phone="01325 000000",
        relationship=Application.Relationship.SELF,
        victim_given_name="Mabel",
        victim_family_name="Thornbery",
        problem_type=victim_problem_type(),
        problem_postcode="DL1 4QT",
        local_authority=LocalAuthority.objects.get(code=DARLINGTON),
        description="Music every night",
    )
    application.refresh_from_db()
    assert application.victim == victim
    assert application.victim_match == VictimMatch.UNCERTAIN
    decision = services.application_evaluate(application_id=application.pk)
    assert decision.outcome == "met" and decision.counted == 3
    application.refresh_from_db()
    # The decision does not stand until the Champion confirms who it is about.
    assert application.stage == Stage.RECEIVED and application.threshold_met_at is None
    page = client_for(cast.champion).get(f"/case-reviews/{application.uuid}/").content.decode()
    assert 'data-testid="uncertain-match"' in page
    confirm = client_for(cast.champion).post(
        f"/case-reviews/{application.uuid}/confirm-match/", {"person": str(victim.uuid)}
    )
    assert confirm.status_code == 302
    services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    assert application.victim_match == VictimMatch.CONFIRMED
    assert application.stage == Stage.REVIEW


@time_machine.travel(NOW, tick=False)
def test_the_same_name_at_the_same_postcode_without_a_date_of_birth_is_certain(cast, victim):
    for agency, month in ((cast.owner, 8), (cast.partner, 9), (cast.unrelated, 10)):
        report(agency.officer, victim, occurred=at(2026, month, 1, 21))
    application = services.application_submit(
        actor=None,
        applicant_name="Mabel Thornbury",
        applicant_email="mabel@example.org",
        relationship=Application.Relationship.SELF,
        victim_given_name="Mabel",
        victim_family_name="Thornbury",
        problem_type=victim_problem_type(),
        problem_postcode="DL1 4QT",
        local_authority=LocalAuthority.objects.get(code=DARLINGTON),
        description="Music every night",
    )
    services.application_verify(actor=cast.champion, application=application)
    application.refresh_from_db()
    assert application.victim == victim and application.victim_match == VictimMatch.CERTAIN
    decision = services.application_evaluate(application_id=application.pk)
    assert decision.counted == 3
    application.refresh_from_db()
    assert application.stage == Stage.REVIEW


def test_only_the_champion_confirms_a_match(cast, victim):
    application = apply_for(victim, verify=False)
    url = f"/case-reviews/{application.uuid}/confirm-match/"
    assert client_for(cast.owner.officer).get(url).status_code == 404


def victim_problem_type():
    from asb_cases.models import IncidentType

    return IncidentType.objects.get(code="noise")


@time_machine.travel(NOW, tick=False)
def test_three_complaints_about_one_address_recorded_as_three_types_alert_the_sweep(cast, victim):
    for agency, month, kind in (
        (cast.owner, 8, "noise"),
        (cast.partner, 9, "vandalism"),
        (cast.unrelated, 10, "drugs"),
    ):
        report(agency.officer, victim, occurred=at(2026, month, 1, 21), type_code=kind)
    sweep()
    individual = SweepAlert.objects.get(rule=SweepAlert.Rule.INDIVIDUAL)
    assert "3 qualifying complaints" in individual.reason
    # The engine agrees: the same three count for an application about the address.
    decision = services.application_evaluate(application_id=apply_for(victim).pk)
    assert decision.outcome == "met" and decision.counted == 3


@time_machine.travel(NOW, tick=False)
def test_three_types_at_three_places_are_three_problems_for_both(cast, victim):
    elsewhere = [
        ELM_COURT,
        ELM_COURT.__class__(address="1 High Row", postcode="DL3 6ST"),
        ELM_COURT.__class__(address="2 Skinnergate", postcode="DL3 7NR"),
    ]
    for (agency, month, kind), place in zip(
        ((cast.owner, 8, "noise"), (cast.partner, 9, "vandalism"), (cast.unrelated, 10, "drugs")),
        elsewhere,
        strict=True,
    ):
        report(
            agency.officer, victim, occurred=at(2026, month, 1, 21), type_code=kind, location=place
        )
    sweep()
    assert not SweepAlert.objects.filter(rule=SweepAlert.Rule.INDIVIDUAL).exists()
    decision = services.application_evaluate(application_id=apply_for(victim).pk)
    assert decision.counted == 1


@time_machine.travel(NOW, tick=False)
def test_the_public_status_is_plain_and_shows_nothing_before_the_applicant_is_told(cast, victim):
    from django.test import Client

    application = _met_application(cast, victim)
    lookup = {"reference": application.reference, "postcode": "DL1 4QT"}
    before = Client().post("/case-review/status/", lookup).content.decode()
    assert "We have your application" in before
    assert "A Case Review will take place" not in before
    for staff_words in ("Threshold", "Tell the applicant", "ASB Champion", "review being"):
        assert staff_words not in before
    decision = application.decisions.get()
    assert services.applicant_tell_decision(application_id=application.pk, decision_id=decision.pk)
    after = Client().post("/case-review/status/", lookup).content.decode()
    assert "A Case Review will take place" in after
    assert "We decided whether a Case Review will take place: " in re.sub(r"<[^>]+>", "", after)
    assert "Threshold met" not in after
