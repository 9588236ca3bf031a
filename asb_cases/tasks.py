"""Celery tasks: thin, taking ids, calling a service; idempotent, acks_late, time-limited."""

from celery import shared_task

from asb_cases.services import closure, contact_due


@shared_task(name="asb_cases.send_closure_notice", acks_late=True, time_limit=120)
def send_closure_notice(notice_id: int) -> bool:
    return closure.closure_notice_send(notice_id=notice_id)


# A long task: the long queue, whose visibility timeout (1 h) is twice its hard limit.
@shared_task(
    name="asb_cases.contact_due_refresh_all", acks_late=True, time_limit=1800, soft_time_limit=1740
)
def contact_due_refresh_all() -> int:
    """Every victim's next contact due, recomputed (after the contact standards changed)."""
    return contact_due.contact_due_refresh_all()
