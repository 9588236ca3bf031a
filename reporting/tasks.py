"""Celery tasks: thin, taking ids, calling a service."""

from celery import shared_task

from reporting import services


# A long task: the long queue, whose visibility timeout (1 h) is twice its hard limit.
@shared_task(name="reporting.summaries_refresh", time_limit=1800, soft_time_limit=1740)
def summaries_refresh() -> dict:
    """Rebuild the dashboards' counts of open cases, incidents and actions (every 15 minutes)."""
    return services.summaries_refresh().rows


# A long task: the long queue, whose visibility timeout (1 h) is twice its hard limit.
@shared_task(name="reporting.households_refresh", time_limit=1800, soft_time_limit=1740)
def households_refresh() -> dict:
    """Rebuild the High Impact Households lists (hourly)."""
    return services.households_refresh().rows


@shared_task(name="reporting.policeuk_import")
def policeuk_import(import_id: int) -> int:
    """Load an uploaded police.uk file; published through the outbox. Idempotent."""
    record = services.policeuk_import_stored(import_id=import_id)
    return record.loaded if record is not None else 0
