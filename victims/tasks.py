"""Celery tasks: thin, taking ids, calling a service."""

from celery import shared_task

from victims import services


@shared_task(name="victims.person_statuses_refresh")
def person_statuses_refresh(person_ids: list[int] | None = None) -> int:
    """Recompute repeat and vulnerable statuses (nightly with no ids: everyone whose status
    could change as the windows move on)."""
    return services.person_statuses_refresh(person_ids=person_ids)
