"""The Celery settings that make background work survive broker and worker failures
(docs/adr/0005-background-work.md), read as a worker process would read them."""

import json
from functools import cache

import pytest

from tests.config.test_settings import PRODUCTION_ENV, run_django

PRINT_CELERY = (
    "from config.celery import app; import json; c = app.conf; print(json.dumps({"
    "'acks_late': c.task_acks_late, 'reject_on_worker_lost': c.task_reject_on_worker_lost,"
    "'retry': c.broker_connection_retry, 'retry_on_startup': c.broker_connection_retry_on_startup,"
    "'max_retries': c.broker_connection_max_retries, 'prefetch': c.worker_prefetch_multiplier,"
    "'transport': c.broker_transport_options, 'routes': c.task_routes,"
    "'scheduler': c.beat_scheduler}))"
)


def celery_settings(**env) -> dict:
    return json.loads(_celery_settings(tuple(sorted(env.items()))))


@cache  # one Django start per environment, not per test
def _celery_settings(env: tuple[tuple[str, str], ...]) -> str:
    result = run_django(
        "config.settings.production",
        PRODUCTION_ENV | dict(env),
        "shell",
        "--no-imports",
        "-c",
        PRINT_CELERY,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_tasks_are_acknowledged_when_done_and_given_back_if_their_process_dies():
    conf = celery_settings()
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    assert conf["prefetch"] == 1


def test_workers_keep_reconnecting_to_the_broker_for_as_long_as_it_is_away():
    conf = celery_settings()
    assert conf["retry"] is True and conf["retry_on_startup"] is True
    assert conf["max_retries"] is None


@pytest.mark.parametrize(
    ("env", "visibility", "unacked_key"),
    [
        ({}, 600, None),
        ({"CELERY_LONG_TASK_WORKER": "true"}, 3600, "unacked-long"),
    ],
    ids=["short-task-worker", "long-task-worker"],
)
def test_short_and_long_task_workers_redeliver_after_their_own_timeout(
    env, visibility, unacked_key
):
    transport = celery_settings(**env)["transport"]
    assert transport["visibility_timeout"] == visibility
    assert transport.get("unacked_key") == unacked_key
    assert transport["unacked_restore_interval"] == 10


def test_long_tasks_are_routed_to_their_own_queue():
    routes = celery_settings()["routes"]
    assert routes["community_trigger.sweep"] == {"queue": "asb-long"}
    assert routes["reporting.summaries_refresh"] == {"queue": "asb-long"}
    assert "community_trigger.application_evaluate" not in routes


def test_beat_records_a_heartbeat_as_it_ticks():
    assert celery_settings()["scheduler"] == "config.celery:HeartbeatScheduler"
