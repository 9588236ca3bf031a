"""A small partnership for the dashboards: a case the owner shares with the partner, a case of
the unrelated agency's own, and people with names that must never reach an analyst."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from asb_cases import services as case_services
from asb_cases.models import CaseTask
from asb_cases.services import LocationInput
from reporting import services
from tests.factories import make_case, make_incident, make_person, share_case
from victims.models import RiskQuestionnaire

# Real police.uk files, kept beside the project (../shared/data/policeuk).
POLICEUK = Path(__file__).resolve().parents[3] / "shared" / "data" / "policeuk"
FIXTURES = Path(__file__).resolve().parent / "data"

# Darlington (LSOA E01012357, ward E05010425) and Durham City (LSOA E01034493).
ELM_COURT = LocationInput(
    address="14 Elm Court",
    postcode="DL1 4QT",
    latitude=Decimal("54.518100"),
    longitude=Decimal("-1.548900"),
)
ELM_LSOA = "E01012357"
QUARRY_LANE = LocationInput(
    address="7 Quarry Heads Lane",
    postcode="DH1 3DY",
    latitude=Decimal("54.776100"),
    longitude=Decimal("-1.573300"),
)
QUARRY_LSOA = "E01034493"

# What an analyst must never see.
PERSONAL = ["Zebedee", "Quillfeather", "Ottoline", "Marchbanks", "Elm Court", "Quarry Heads"]


@dataclass
class World:
    shared_case: object  # led by the owner, shared with the partner
    unrelated_case: object  # the unrelated agency's own
    zebedee: object
    ottoline: object


def refresh() -> None:
    services.summaries_refresh()
    services.households_refresh()


def overdue_task(officer, case, *, days: int, title: str = "Visit the neighbours"):
    """An open task on the case, assigned to the officer, that fell due `days` days ago (added
    due today, then moved back: the service refuses a date in the past)."""
    task = case_services.case_add_task(
        actor=officer, case=case, title=title, due_on=timezone.localdate(), assignee=officer
    )
    CaseTask.objects.filter(pk=task.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=days)
    )
    return task


def overdue_risk_review(officer, case, person, *, days: int = 2):
    """A risk assessment of the person on the case, every answer yes, whose review fell due
    `days` days ago."""
    questionnaire = RiskQuestionnaire.objects.get(version=1)
    assessment = case_services.case_victim_assess_risk(
        actor=officer,
        person=person,
        case=case,
        questionnaire=questionnaire,
        answers={q.pk: True for q in questionnaire.questions.all()},
    )
    type(assessment).objects.filter(pk=assessment.pk).update(
        next_review_on=timezone.localdate() - dt.timedelta(days=days)
    )
    return assessment


@pytest.fixture
def world(cast) -> World:
    return build_world(cast)


def build_world(cast) -> World:
    zebedee = make_person(
        cast.owner.officer,
        given_name="Zebedee",
        family_name="Quillfeather",
        address="14 Elm Court",
        postcode="DL1 4QT",
        date_of_birth=dt.date(1951, 3, 9),
    )
    ours = [
        make_incident(
            cast.owner.officer, days_ago=days, victim=zebedee, reporter=zebedee, location=ELM_COURT
        )
        for days in (5, 40, 70)
    ]
    shared = make_case(cast.owner.officer, incidents=ours, title="Noise next door")
    share_case(shared, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    ottoline = make_person(
        cast.unrelated.officer,
        given_name="Ottoline",
        family_name="Marchbanks",
        address="7 Quarry Heads Lane",
        postcode="DH1 3DY",
    )
    theirs = [
        make_incident(
            cast.unrelated.officer,
            days_ago=days,
            victim=ottoline,
            reporter=ottoline,
            location=QUARRY_LANE,
            type_code="vandalism",
        )
        for days in (3, 20)
    ]
    unrelated = make_case(
        cast.unrelated.officer, incidents=theirs, title="Damage on the lane", lead_officer=None
    )
    refresh()
    return World(shared_case=shared, unrelated_case=unrelated, zebedee=zebedee, ottoline=ottoline)


@pytest.fixture
def private_celery_worker(transactional_db, monkeypatch):
    """A real `celery worker` on a queue of this test's own, with this process publishing to
    it. (The shared `celery_worker_process` listens on a queue named after the pytest
    controller's pid, which every xdist worker inherits, so with `-n 2` another session's
    worker, on another test database, may take the task.)"""
    import os
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings
    from django.db import connection

    from config.celery import app

    queue = f"asb-test-reporting-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "ASB_TEST_CELERY_QUEUE": queue,
    }
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    log = open(Path(settings.VAR_DIR) / f"celery-test-worker-{queue}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"{queue}@%h",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if app.send_task("partners.ping", args=["ready"]).get(timeout=5) == "ready":
                    break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"The Celery worker did not start; see {log.name}") from None
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
