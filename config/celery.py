"""The Celery application, per the Django recipe. Tasks live in each app's tasks.py.

The beat schedule lives here, in code and in UTC; each entry says what it is for. So do the
hooks that make background work survive a broker or a worker going away
(docs/adr/0005-background-work.md): a worker relays the outbox when it starts and whenever it
reconnects to the broker, reports each outbox task it completes, and records a heartbeat;
beat records one as it ticks.
"""

import logging
import os
import socket

from celery import Celery, bootsteps, signals
from celery.beat import PersistentScheduler
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

logger = logging.getLogger(__name__)

app = Celery("asb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Publish background work that was recorded while the broker was away, and work published
    # but not completed in time (the outbox).
    "relay the outbox every 30 seconds": {
        "task": "partners.outbox_relay",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # Completed outbox work is kept a fortnight (OUTBOX_KEEP_DAYS), then deleted.
    "prune the outbox at 02:20 UTC": {
        "task": "partners.outbox_prune",
        "schedule": crontab(hour=2, minute=20),
    },
    # API Idempotency-Keys are kept 24 hours (IDEMPOTENCY_KEY_HOURS), then deleted.
    "prune API idempotency keys hourly": {
        "task": "partners.idempotency_keys_prune",
        "schedule": crontab(minute=25),
    },
    # Repeat and vulnerable statuses change as their windows move on, even with no new
    # incident: recompute everyone who could be affected, nightly.
    "refresh victim statuses at 01:30 UTC": {
        "task": "victims.person_statuses_refresh",
        "schedule": crontab(hour=1, minute=30),
    },
    # ASB Case Review: people and places that meet a threshold with no application, and second
    # reports in six months, alerted to their lead officer and the ASB Champion.
    "sweep for Case Review thresholds at 03:00 UTC": {
        "task": "community_trigger.sweep",
        "schedule": crontab(hour=3, minute=0),
    },
    # ASB Case Review: an application still "received" after CASE_REVIEW_STUCK_MINUTES has
    # lost its evaluation somewhere; evaluate it again (evaluation is idempotent).
    "evaluate stuck Case Review applications every 5 minutes": {
        "task": "community_trigger.stuck_applications_evaluate",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 300},
    },
    # ASB Case Review clocks: what is due soon or overdue, told to its owners.
    "check Case Review deadlines hourly": {
        "task": "community_trigger.deadlines_check",
        "schedule": crontab(minute=15),
    },
    # Notifications: one e-mail a day to each person who chose a daily digest (07:00 UTC,
    # before the working day), with what came since the last.
    "send the daily notification digest at 07:00 UTC": {
        "task": "notifications.digest_send",
        "schedule": crontab(hour=7, minute=0),
    },
    # Evidence: files stored by an upload whose transaction then failed (no document names
    # them), deleted once DOCUMENT_ORPHAN_HOURS old (docs/adr/0019).
    "sweep orphan document files at 02:50 UTC": {
        "task": "documents.orphans_sweep",
        "schedule": crontab(hour=2, minute=50),
    },
    # Expired sessions are dead weight in the session table; clear them nightly.
    "clear expired sessions at 02:10 UTC": {
        "task": "partners.sessions_clear_expired",
        "schedule": crontab(hour=2, minute=10),
    },
    # Retention (docs/adr/0016-retention-and-disposal.md): prune operational rows, put what
    # has become due on its owner's review queue, dispose of what was approved.
    "apply retention at 02:40 UTC": {
        "task": "governance.retention_run",
        "schedule": crontab(hour=2, minute=40),
    },
    # Dashboards: rebuild the counts of open cases, incidents and actions per organisation and
    # for the partnership, so dashboards never count a million rows on a request. Pages show
    # when they were last rebuilt (at most about 15 minutes ago).
    "refresh dashboard summaries every 15 minutes": {
        "task": "reporting.summaries_refresh",
        "schedule": crontab(minute="*/15"),
    },
    # Dashboards: rebuild the High Impact Households lists (addresses and people with most
    # incidents in the last 3, 6 and 12 months), hourly.
    "refresh High Impact Households hourly": {
        "task": "reporting.households_refresh",
        "schedule": crontab(minute=40),
    },
}


# Beat --------------------------------------------------------------------------------------


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler, recording a `beat` heartbeat as it ticks (at least every
    CELERY_BEAT_MAX_LOOP_INTERVAL seconds), for /healthz."""

    def tick(self, *args, **kwargs):
        from django.db import close_old_connections

        from partners.models import Heartbeat
        from partners.outbox import heartbeat_record

        close_old_connections()  # a database that restarted since the last tick
        heartbeat_record(name=Heartbeat.Name.BEAT, detail=f"beat on {socket.gethostname()}")
        return super().tick(*args, **kwargs)


# Workers -----------------------------------------------------------------------------------


def _ask_for_relay(reason: str) -> None:
    """Queue an outbox relay (run by a worker of this pool). Never raises."""
    try:
        app.send_task("partners.outbox_relay", retry=False, ignore_result=True, expires=60)
        logger.info("Outbox relay queued: %s", reason)
    except Exception:
        logger.warning("Could not queue an outbox relay (%s)", reason, exc_info=True)


@signals.worker_ready.connect
def relay_when_the_worker_starts(sender=None, **kwargs) -> None:
    """Work recorded while no worker ran (or lost with a broker) goes out as a worker starts."""
    _ask_for_relay("worker started")


class RelayOnReconnect(bootsteps.StartStopStep):
    """The consumer starts this step on every connection to the broker: after the first (the
    worker_ready hook covers that), a reconnection relays what waited while the broker was
    away, rather than leaving it to the next beat."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.connections = 0

    def start(self, parent):
        self.connections += 1
        if self.connections > 1:
            _ask_for_relay("worker reconnected to the broker")


app.steps["consumer"].add(RelayOnReconnect)


@signals.task_success.connect
def report_a_completed_task(sender=None, **kwargs) -> None:
    """Stamp the outbox row of a completed task, and record that a worker completes tasks."""
    from partners.models import Heartbeat
    from partners.outbox import heartbeat_record, outbox_task_completed

    request = getattr(sender, "request", None)
    heartbeat_record(
        name=Heartbeat.Name.TASK,
        detail=f"{getattr(sender, 'name', '?')} on {getattr(request, 'hostname', '?')}",
    )
    try:  # last: once a row reads completed, its task has touched the database for good
        outbox_task_completed(task_id=getattr(request, "id", None))
    except Exception:  # the row stays unfinished; the relay will publish it again
        logger.warning("Could not mark outbox task %s completed", request, exc_info=True)


@signals.task_failure.connect
def report_a_failed_task(sender=None, task_id=None, exception=None, **kwargs) -> None:
    from partners.outbox import outbox_task_failed

    try:
        outbox_task_failed(task_id=task_id, error=exception)
    except Exception:
        logger.warning("Could not record the failure of outbox task %s", task_id, exc_info=True)
