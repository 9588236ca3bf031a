"""Celery tasks: thin, taking ids, calling a service; idempotent, acks_late, time-limited."""

from celery import shared_task

from asb_cases.services import closure


@shared_task(name="asb_cases.send_closure_notice", acks_late=True, time_limit=120)
def send_closure_notice(notice_id: int) -> bool:
    return closure.closure_notice_send(notice_id=notice_id)
