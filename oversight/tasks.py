"""Celery tasks: thin, taking ids, calling a service; idempotent, acks_late, time-limited."""

from celery import shared_task

from oversight import services


@shared_task(name="oversight.pcc_review_tell", acks_late=True, time_limit=60)
def pcc_review_tell(review_id: int) -> bool:
    return services.pcc_review_tell(review_id=review_id)
