"""Repeat and vulnerable status, computed from incidents to every agency, at the edges."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import make_case, make_incident, make_person
from victims.models import PersonStatus, StatusDefinition, VulnerabilityFactor
from victims.status import person_statuses_refresh

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def incident_at(officer, victim, moment, **kw):
    return make_incident(
        officer,
        victim=victim,
        occurred_at=moment,
        reported_at=moment + dt.timedelta(hours=1),
        **kw,
    )


def status_of(person) -> PersonStatus:
    person_statuses_refresh([person.pk])
    return PersonStatus.objects.get(person=person)


@time_machine.travel(at(2026, 11, 20, 12, 0), tick=False)
def test_three_incidents_to_any_agencies_in_twelve_months_make_a_repeat_victim(cast):
    victim = make_person(cast.owner.officer)
    incident_at(cast.owner.officer, victim, at(2026, 3, 12, 21, 0))
    incident_at(cast.partner.officer, victim, at(2026, 7, 1, 20, 0))
    incident_at(cast.unrelated.officer, victim, at(2026, 11, 1, 20, 0))
    incident_at(cast.unrelated.officer, victim, at(2026, 11, 2, 20, 0))
    status = status_of(victim)
    assert status.is_repeat
    assert status.repeat_reason == "4 incidents to 3 agencies since 12 March 2026"


@time_machine.travel(at(2026, 11, 20, 12, 0), tick=False)
def test_the_window_starts_at_midnight_uk_time_exactly_twelve_months_ago(cast):
    victim = make_person(cast.owner.officer)
    incident_at(cast.owner.officer, victim, at(2025, 11, 20, 0, 0))  # exactly 12 months: in
    incident_at(cast.owner.officer, victim, at(2026, 5, 1, 10, 0))
    incident_at(cast.owner.officer, victim, at(2026, 10, 1, 10, 0))
    assert status_of(victim).is_repeat
    edge = make_person(cast.owner.officer, given_name="Edge")
    incident_at(cast.owner.officer, edge, at(2025, 11, 19, 23, 59))  # a minute too early: out
    incident_at(cast.owner.officer, edge, at(2026, 5, 1, 10, 0))
    incident_at(cast.owner.officer, edge, at(2026, 10, 1, 10, 0))
    status = status_of(edge)
    assert not status.is_repeat
    assert status.incidents_in_window == 2


@time_machine.travel(at(2026, 7, 10, 12, 0), tick=False)
def test_windows_are_counted_in_uk_local_time_across_summer_time(cast):
    """00:30 on 10 July 2025 in London is 23:30 on 9 July in UTC: it is inside the window."""
    victim = make_person(cast.owner.officer)
    incident_at(cast.owner.officer, victim, at(2025, 7, 10, 0, 30))
    incident_at(cast.owner.officer, victim, at(2026, 1, 10, 10, 0))
    incident_at(cast.owner.officer, victim, at(2026, 6, 10, 10, 0))
    status = status_of(victim)
    assert status.is_repeat
    assert "since 10 July 2025" in status.repeat_reason


@time_machine.travel(at(2026, 11, 20, 12, 0), tick=False)
def test_one_event_reported_to_two_agencies_counts_once(cast):
    victim = make_person(cast.owner.officer)
    first = incident_at(cast.owner.officer, victim, at(2026, 9, 1, 21, 0))
    incident_at(cast.partner.officer, victim, at(2026, 9, 1, 21, 5), duplicate_of=first)
    incident_at(cast.owner.officer, victim, at(2026, 10, 1, 21, 0))
    status = status_of(victim)
    assert status.incidents_in_window == 2
    assert not status.is_repeat
    assert status.agencies_in_window == 2
    incident_at(cast.unrelated.officer, victim, at(2026, 11, 1, 21, 0))
    status = status_of(victim)
    assert status.is_repeat
    assert status.repeat_reason.startswith("3 incidents to 3 agencies")


@time_machine.travel(at(2026, 11, 20, 12, 0), tick=False)
def test_a_second_report_in_six_months_is_flagged(cast):
    victim = make_person(cast.owner.officer)
    incident_at(cast.owner.officer, victim, at(2026, 6, 1, 10, 0))
    status = status_of(victim)
    assert not status.second_report
    incident_at(cast.partner.officer, victim, at(2026, 11, 18, 10, 0))
    status = status_of(victim)
    assert status.second_report
    assert "explain the ASB Case Review" in status.second_report_reason


def test_vulnerable_by_risk_band_or_by_a_factor(cast):
    victim = make_person(cast.owner.officer)
    case = make_case(
        cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=victim)]
    )
    assert not status_of(victim).is_vulnerable
    from asb_cases.services import case_update_details

    case_update_details(
        actor=cast.owner.officer, case=case, expected_version=case.version, risk_band="medium"
    )
    status = PersonStatus.objects.get(person=victim)  # refreshed by the service
    assert status.is_vulnerable and status.risk_band == "medium"
    other = make_person(cast.owner.officer, given_name="Solo")
    other.details.get().vulnerability_factors.add(
        VulnerabilityFactor.objects.get(code="lives-alone")
    )
    status = status_of(other)
    assert status.is_vulnerable
    # The status is what every agency's signpost shows: it never names the vulnerability.
    assert status.vulnerable_reason == "Vulnerability recorded by an agency"
    assert "alone" not in status.vulnerable_reason


@time_machine.travel(at(2026, 11, 20, 12, 0), tick=False)
def test_the_definition_is_configurable(cast):
    victim = make_person(cast.owner.officer)
    incident_at(cast.owner.officer, victim, at(2026, 10, 1, 10, 0))
    incident_at(cast.owner.officer, victim, at(2026, 11, 1, 10, 0))
    assert not status_of(victim).is_repeat
    StatusDefinition.objects.create(
        effective_from=dt.date(2026, 11, 1),
        repeat_incident_count=2,
        repeat_window_months=3,
        second_report_window_months=6,
        vulnerable_risk_bands=["high"],
    )
    assert status_of(victim).is_repeat


def test_statuses_follow_incidents_as_they_are_recorded(cast):
    victim = make_person(cast.owner.officer)
    for officer in (cast.owner.officer, cast.partner.officer, cast.unrelated.officer):
        make_incident(officer, victim=victim)
    status = PersonStatus.objects.get(person=victim)  # no explicit refresh
    assert status.is_repeat


def test_the_nightly_refresh_expires_flags_as_the_window_moves_on(cast):
    from victims.services import person_statuses_refresh as nightly

    victim = make_person(cast.owner.officer)
    with time_machine.travel(at(2026, 1, 10, 12, 0), tick=False):
        for day in (1, 2, 3):
            incident_at(cast.owner.officer, victim, at(2026, 1, day, 10, 0))
        assert PersonStatus.objects.get(person=victim).is_repeat
    with time_machine.travel(at(2027, 1, 5, 2, 0), tick=False):
        nightly()
    status = PersonStatus.objects.get(person=victim)
    assert not status.is_repeat
    assert status.incidents_in_window == 0
    assert status.computed_at.year == 2027
