"""Celery tasks: thin, taking ids, calling a service; idempotent, acks_late, time-limited."""

from celery import shared_task

from community_trigger import recovery, services, sweep


@shared_task(name="community_trigger.application_evaluate", acks_late=True, time_limit=120)
def application_evaluate(application_id: int) -> str:
    decision = services.application_evaluate(application_id=application_id)
    return decision.outcome if decision else "skipped"


@shared_task(name="community_trigger.incidents_recorded", acks_late=True, time_limit=300)
def incidents_recorded(incident_ids: list[int]) -> int:
    """Re-evaluate every pending application the incidents may concern, each once."""
    evaluated = 0
    for application_id in services.applications_concerned_by(incident_ids=incident_ids):
        services.application_evaluate(application_id=application_id)
        evaluated += 1
    return evaluated


@shared_task(name="community_trigger.application_acknowledge", acks_late=True, time_limit=60)
def application_acknowledge(application_id: int) -> bool:
    return services.application_acknowledge(application_id=application_id)


@shared_task(name="community_trigger.applicant_tell_decision", acks_late=True, time_limit=60)
def applicant_tell_decision(application_id: int, decision_id: int) -> bool:
    return services.applicant_tell_decision(application_id=application_id, decision_id=decision_id)


@shared_task(name="community_trigger.applicant_send_outcome", acks_late=True, time_limit=60)
def applicant_send_outcome(application_id: int) -> bool:
    return services.applicant_send_outcome(application_id=application_id)


@shared_task(name="community_trigger.sweep", acks_late=True, time_limit=900, soft_time_limit=840)
def run_sweep() -> int:
    return sweep.sweep().alerts_created


@shared_task(name="community_trigger.stuck_applications_evaluate", acks_late=True, time_limit=300)
def stuck_applications_evaluate() -> int:
    """Evaluate applications still "received" long after they arrived (a lost evaluation)."""
    return recovery.stuck_applications_evaluate()


@shared_task(name="community_trigger.deadlines_check", acks_late=True, time_limit=300)
def deadlines_check() -> int:
    return services.deadlines_check()


@shared_task(name="community_trigger.draft_send_link", acks_late=True, time_limit=60)
def draft_send_link(draft_id: int) -> bool:
    return services.draft_send_link(draft_id=draft_id)


@shared_task(name="community_trigger.second_reports_record", acks_late=True, time_limit=300)
def second_reports_record(incident_ids: list[int]) -> int:
    return services.second_reports_record(incident_ids=incident_ids)
