"""The Celery application, per the Django recipe. Tasks live in each app's tasks.py.

The beat schedule lives here, in code and in UTC; each entry says what it is for.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("asb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Publish background work that was recorded while the broker was away (the outbox).
    "relay the outbox every 30 seconds": {
        "task": "partners.outbox_relay",
        "schedule": 30.0,
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
    # ASB Case Review clocks: what is due soon or overdue, told to its owners.
    "check Case Review deadlines hourly": {
        "task": "community_trigger.deadlines_check",
        "schedule": crontab(minute=15),
    },
    # Expired sessions are dead weight in the session table; clear them nightly.
    "clear expired sessions at 02:10 UTC": {
        "task": "partners.sessions_clear_expired",
        "schedule": crontab(hour=2, minute=10),
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
