"""Celery tasks: thin, taking no personal data, calling a service. Both are idempotent and
acknowledged late, so a worker that dies mid-run leaves the task to be delivered again, and
the rerun continues where the first stopped (governance.services)."""

from celery import shared_task

from governance import services


@shared_task(name="governance.retention_run", acks_late=True, time_limit=3600)
def retention_run(key: str | None = None) -> dict:
    result = services.retention_run(key=key)
    return {
        "key": result.key,
        "examined": result.examined,
        "queued": result.queued,
        "disposed": result.disposed,
        "held": result.held,
    }


@shared_task(name="governance.disposals_run", acks_late=True, time_limit=3600)
def disposals_run() -> dict:
    return services.disposals_run()
