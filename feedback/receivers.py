"""When a case closes or a Case Review completes, the victim's survey is recorded as work in
the outbox, in the same transaction (so it survives a broker restart)."""

from asb_cases.signals import case_closed
from community_trigger.signals import review_completed
from partners.outbox import outbox_enqueue


def _on_case_closed(sender, case_id: int, **kwargs) -> None:
    outbox_enqueue(task_name="feedback.invite_after_case", kwargs={"case_id": case_id})


def _on_review_completed(sender, application_id: int, **kwargs) -> None:
    outbox_enqueue(
        task_name="feedback.invite_after_review", kwargs={"application_id": application_id}
    )


def connect() -> None:
    case_closed.connect(_on_case_closed, dispatch_uid="feedback.case_closed")
    review_completed.connect(_on_review_completed, dispatch_uid="feedback.review_completed")
