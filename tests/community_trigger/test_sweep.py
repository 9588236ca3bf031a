"""The proactive sweep: alerts for people and places over a threshold with no application, and
for second reports; each raised once, however many sweeps run at once."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from community_trigger.models import SweepAlert
from community_trigger.sweep import sweep
from partners.models import Notification
from tests.community_trigger.conftest import apply_for, at, report
from tests.factories import make_case, make_person

NOW = at(2026, 11, 20, 3, 0)
Rule = SweepAlert.Rule


def three_complaints(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 8, 1, 21))
    report(cast.partner.officer, victim, occurred=at(2026, 9, 1, 21))
    report(cast.unrelated.officer, victim, occurred=at(2026, 10, 1, 21))


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_victim_over_the_threshold_without_an_application_is_alerted_once(cast, victim):
    three_complaints(cast, victim)
    run = sweep()
    alerts = SweepAlert.objects.filter(subject_key=f"person:{victim.pk}")
    assert set(alerts.values_list("rule", flat=True)) == {Rule.INDIVIDUAL, Rule.SECOND_REPORT}
    individual = alerts.get(rule=Rule.INDIVIDUAL)
    assert individual.window_start == dt.date(2026, 8, 1)
    assert "3 qualifying complaints" in individual.reason
    assert run.alerts_created == 2
    # One digest each: the ASB Champion for thresholds; with no open case, the supervisor of the
    # agency that last heard from the victim.
    champion = Notification.objects.get(key="sweep:2026-11-20:thresholds")
    assert champion.user == cast.champion
    assert champion.subject.startswith("1 people or places meet a Case Review threshold")
    supervisor = Notification.objects.get(key="sweep:2026-11-20:victims")
    assert supervisor.user == cast.unrelated.supervisor
    again = sweep()
    assert again.alerts_created == 0
    assert SweepAlert.objects.filter(subject_key=f"person:{victim.pk}").count() == 2
    assert Notification.objects.count() == 2


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_an_alert_whose_window_began_before_the_quiet_period_is_not_raised_again(cast, victim):
    # Happened on 1 May, reported on 25 May (inside the six months before 20 November): the
    # alert's window starts on 1 May, before the quiet period; a second sweep still sees it.
    report(cast.owner.officer, victim, occurred=at(2026, 5, 1, 21), reported=at(2026, 5, 25, 9))
    report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    assert sweep().alerts_created == 1
    alert = SweepAlert.objects.get(rule=Rule.SECOND_REPORT)
    assert alert.window_start == dt.date(2026, 5, 1)
    assert sweep().alerts_created == 0
    assert Notification.objects.filter(key__startswith="sweep:").count() == 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_second_report_goes_to_the_lead_officer_to_explain_the_case_review(cast, victim):
    first = report(cast.owner.officer, victim, occurred=at(2026, 10, 1, 21))
    make_case(cast.owner.officer, incidents=[first])
    report(cast.partner.officer, victim, occurred=at(2026, 11, 1, 21))
    sweep()
    alert = SweepAlert.objects.get(rule=Rule.SECOND_REPORT)
    assert "explain the ASB Case Review" in alert.reason
    note = Notification.objects.get(key="sweep:2026-11-20:victims")
    assert note.user == cast.owner.officer
    assert note.subject == "1 of your victims should be told about the ASB Case Review"
    assert note.link == "/people/"
    assert not Notification.objects.filter(key__endswith="thresholds").exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_nobody_with_an_application_is_alerted_for_the_threshold(cast, victim):
    three_complaints(cast, victim)
    apply_for(victim)
    sweep()
    assert not SweepAlert.objects.filter(rule=Rule.INDIVIDUAL).exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_five_people_reporting_the_same_problem_at_a_place_raise_a_community_alert(cast):
    for i in range(5):
        person = make_person(cast.owner.officer, given_name=f"N{i}", family_name="Neighbour")
        report(cast.owner.officer, person, occurred=at(2026, 10, 1 + i, 21))
    sweep()
    alert = SweepAlert.objects.get(rule=Rule.COMMUNITY)
    assert alert.subject_key == "place:DL1 4QT:noise"
    assert "5 different people" in alert.reason


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_each_alert_once(cast, victim):
    with time_machine.travel(NOW, tick=False):
        three_complaints(cast, victim)
    errors = []

    def run():
        try:
            with time_machine.travel(NOW, tick=False):
                sweep()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert SweepAlert.objects.filter(rule=Rule.INDIVIDUAL).count() == 1
    assert SweepAlert.objects.filter(rule=Rule.SECOND_REPORT).count() == 1
    assert Notification.objects.filter(key="sweep:2026-11-20:thresholds").count() == 1
    assert Notification.objects.filter(key="sweep:2026-11-20:victims").count() == 1
