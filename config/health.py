"""GET /healthz: whether the database and the broker answer, and whether background work is
alive (beat ticking, workers completing tasks), quickly. 503 when any of them is not: the
whole service's health, for monitoring.

GET /livez: whether this web process can serve pages (it answers, and its database does).
The web container's health check asks this one: pages and the API keep working while Redis
or the workers are down (their work waits in the outbox), so a stopped worker must not get
the web processes restarted."""

from __future__ import annotations

import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # a health check reports every failure, it never raises
        failed = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        failed.update(getattr(exc, "detail", None) or {})
        return failed
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    result.update(detail or {})
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"engine": connection.vendor}


def _broker() -> dict:
    if settings.REDIS_URL:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            retry=None,  # redis-py retries three times by default: a hung Redis would cost 4x
        )
        try:
            client.ping()
        finally:
            client.close()
        return {"transport": "redis"}
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    if not folder.is_dir():
        raise FileNotFoundError(f"broker folder {folder} is missing")
    probe = folder / ".healthz"
    probe.write_text("ok")
    probe.unlink()
    return {"transport": "filesystem"}


def _background() -> dict:
    """How long ago beat last ticked and a worker last completed a task (beat sends the outbox
    relay every 30 seconds, so a live worker completes one at least that often)."""
    from partners.models import Heartbeat
    from partners.outbox import outbox_state

    now = timezone.now()
    seen = {beat.name: beat for beat in Heartbeat.objects.all()}
    detail: dict = {}
    stalled = []
    for name, key, limit, never, last in (
        (
            Heartbeat.Name.BEAT,
            "beat",
            settings.HEALTHZ_BEAT_MAX_AGE,
            "beat has not ticked yet",
            "beat last ticked {age} s ago",
        ),
        (
            Heartbeat.Name.TASK,
            "last_task",
            settings.HEALTHZ_TASK_MAX_AGE,
            "no worker has completed a task yet",
            "the last task completed {age} s ago",
        ),
    ):
        beat = seen.get(name)
        age = round((now - beat.at).total_seconds(), 1) if beat else None
        detail[key] = {"age_s": age, "max_age_s": limit, "detail": beat.detail if beat else ""}
        if age is None:
            stalled.append(never)
        elif age > limit:
            stalled.append(last.format(age=f"{age:.0f}"))
    detail["outbox"] = outbox_state()
    if stalled:
        raise BackgroundStalled("Background work has stalled: " + "; ".join(stalled), detail)
    return detail


class BackgroundStalled(Exception):
    def __init__(self, message: str, detail: dict):
        super().__init__(message)
        self.detail = detail


@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": _timed(_database),
        "broker": _timed(_broker),
        "background": _timed(_background),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def livez(request):
    database = _timed(_database)
    return JsonResponse(
        {"status": "ok" if database["ok"] else "unavailable", "database": database},
        status=200 if database["ok"] else 503,
    )
