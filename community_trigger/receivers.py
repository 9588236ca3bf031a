"""Listening for incidents: each one recorded may bring a pending application over the
threshold, so the engine looks again — as outbox work, in the incidents' own transaction."""

from asb_cases.signals import incidents_recorded
from partners.outbox import outbox_enqueue_many

# Incidents per task: a partner system's bulk import is one or two tasks, not hundreds.
INCIDENTS_PER_TASK = 500
# One report recorded (an officer's form, a partner system's single POST) is checked for a
# second report in its own transaction, so the officer is prompted on the next page; a batch
# (a partner system's bulk import) is checked in the background, so the import's cost does not
# grow with its size.
PROMPT_AT_ONCE_UP_TO = 1


def _on_incidents_recorded(sender, incident_ids: list[int], **kwargs) -> None:
    # A second report within six months prompts the recording officer at once (2025 guidance);
    # a partner system's bulk import is checked in the background instead.
    from community_trigger.services import second_reports_record

    if len(incident_ids) <= PROMPT_AT_ONCE_UP_TO:
        second_reports_record(incident_ids=incident_ids)
    else:
        outbox_enqueue_many(
            task_name="community_trigger.second_reports_record",
            kwargs_list=[
                {"incident_ids": incident_ids[start : start + INCIDENTS_PER_TASK]}
                for start in range(0, len(incident_ids), INCIDENTS_PER_TASK)
            ],
        )
    outbox_enqueue_many(
        task_name="community_trigger.incidents_recorded",
        kwargs_list=[
            {"incident_ids": incident_ids[start : start + INCIDENTS_PER_TASK]}
            for start in range(0, len(incident_ids), INCIDENTS_PER_TASK)
        ],
    )


def connect() -> None:
    incidents_recorded.connect(_on_incidents_recorded, dispatch_uid="community_trigger.incidents")
