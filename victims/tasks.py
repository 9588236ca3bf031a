"""Celery tasks: thin, taking ids, calling a service."""

from celery import shared_task

from victims import services


# A long task: the long queue, whose visibility timeout (1 h) is twice its hard limit.
@shared_task(name="victims.person_statuses_refresh", time_limit=1800, soft_time_limit=1740)
def person_statuses_refresh(person_ids: list[int] | None = None) -> int:
    """Recompute repeat and vulnerable statuses (nightly with no ids: everyone whose status
    could change as the windows move on)."""
    return services.person_statuses_refresh(person_ids=person_ids)
