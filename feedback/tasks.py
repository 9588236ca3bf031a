"""Celery tasks: thin, taking ids, calling a service; idempotent, acks_late, time-limited."""

from celery import shared_task

from feedback import services


@shared_task(name="feedback.invite_after_case", acks_late=True, time_limit=120)
def invite_after_case(case_id: int) -> int:
    return services.survey_invite_after_case(case_id=case_id)


@shared_task(name="feedback.invite_after_review", acks_late=True, time_limit=120)
def invite_after_review(application_id: int) -> int:
    return services.survey_invite_after_review(application_id=application_id)
