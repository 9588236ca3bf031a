"""The summaries' rebuild: scheduled by beat, one at a time, and recorded."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from config.celery import app
from reporting import services, tasks
from reporting.models import SummaryState


def test_beat_rebuilds_the_summaries_every_15_minutes_and_households_hourly():
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert str(schedule["reporting.summaries_refresh"]._orig_minute) == "*/15"
    assert schedule["reporting.households_refresh"]._orig_minute == 40
    assert tasks.summaries_refresh.name == "reporting.summaries_refresh"
    assert tasks.policeuk_import.name == "reporting.policeuk_import"


@pytest.mark.django_db
def test_a_refresh_records_when_it_ran_and_what_it_built(world):
    state = SummaryState.objects.get(kind="cases")
    assert state.refreshed_at is not None
    assert state.rows["ownership"] > 0 and state.rows["areas"] > 0
    assert SummaryState.objects.get(kind="households").rows["households"] > 0


@pytest.mark.django_db(transaction=True)
def test_a_refresh_while_another_runs_does_nothing(cast):
    services.summaries_refresh()
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                SummaryState.objects.select_for_update().get(kind="cases")
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert services.summaries_refresh().refreshed is False
    finally:
        release.set()
        holder.join()
    assert services.summaries_refresh().refreshed is True
