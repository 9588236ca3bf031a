"""Case Review work re-derived from the records themselves, whatever happened to the queue.

An application is evaluated as soon as it is received (outbox work). If that evaluation never
ran (a broker lost with it queued, a worker killed, work given up after OUTBOX_MAX_ATTEMPTS),
the application would wait at "received", where the ASB Champion's page offers no action. A
beat job evaluates every verified application still "received" CASE_REVIEW_STUCK_MINUTES after
it arrived (or was verified); evaluation is idempotent, so one that was merely slow is not
judged twice. An application the public made online waits for the ASB Champion to verify the
applicant, which is staff work, not stuck work.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from community_trigger import services
from community_trigger.models import Application, Stage

logger = logging.getLogger(__name__)

# Applications evaluated per run (every five minutes): a backlog clears over a few runs.
BATCH = 200


def stuck_applications_evaluate(*, older_than: timedelta | None = None) -> int:
    """Evaluate applications still "received" `older_than` (CASE_REVIEW_STUCK_MINUTES) after
    they arrived, oldest first; returns how many were evaluated. One that fails is logged
    and left for the next run, without stopping the others."""
    if older_than is None:
        older_than = timedelta(minutes=settings.CASE_REVIEW_STUCK_MINUTES)
    cutoff = timezone.now() - older_than
    stuck = list(
        Application.objects.filter(
            stage=Stage.RECEIVED, received_at__lte=cutoff, verified_at__lte=cutoff
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    evaluated = 0
    for application_id in stuck:
        try:
            services.application_evaluate(application_id=application_id)
        except Exception:
            logger.exception("Evaluating stuck Case Review application %s failed", application_id)
            continue
        evaluated += 1
    if stuck:
        logger.warning("Evaluated %s Case Review applications stuck at received", evaluated)
    return evaluated
