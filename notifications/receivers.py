"""What is worth telling someone about, as asb_cases announces it (asb_cases.signals).

Text names the case by its reference, and organisations by name: never a person, an address
or what the case is about (those are read in the service, behind its access checks).
"""

from __future__ import annotations

from django.urls import reverse

from asb_cases import signals
from asb_cases.models import CaseNote
from notifications.models import Notification
from notifications.services import notices_queue, notify
from partners.models import Membership, User
from partners.signals import notices_recorded

Kind = Notification.Kind
CASE_WORKERS = (Membership.Role.CASE_OFFICER, Membership.Role.SUPERVISOR)


def _members(organisation_id, roles) -> list[User]:
    return list(
        User.objects.filter(
            membership__organisation_id=organisation_id,
            membership__role__in=roles,
            is_active=True,
            api_client__isnull=True,
        )
    )


def _case_link(case) -> str:
    return reverse("asb_cases:case_detail", args=[case.uuid])


def on_case_shared(sender, share, **kwargs) -> None:
    case = share.case
    notify(
        users=_members(share.organisation_id, CASE_WORKERS),
        kind=Kind.CASE_SHARED,
        key=f"share:{share.pk}",
        case_reference=case.reference,
        subject=f"Case {case.reference} has been shared with {share.organisation.name}",
        link=_case_link(case),
    )


def on_transfer_proposed(sender, transfer, **kwargs) -> None:
    case = transfer.case
    notify(
        users=_members(transfer.to_organisation_id, (Membership.Role.SUPERVISOR,)),
        kind=Kind.TRANSFER_PROPOSED,
        key=f"transfer:{transfer.pk}",
        case_reference=case.reference,
        subject=f"{transfer.from_organisation.name} asks {transfer.to_organisation.name} to "
        f"lead case {case.reference}",
        link=reverse("asb_cases:transfer_decide", args=[transfer.uuid]),
    )


def on_case_assigned(sender, case, officer, actor, **kwargs) -> None:
    notify(
        users=[officer],
        kind=Kind.CASE_ASSIGNED,
        key=f"assigned:{case.pk}:v{case.version}",
        case_reference=case.reference,
        subject=f"You are now the lead officer for case {case.reference}",
        link=_case_link(case),
    )


def on_task_assigned(sender, task, actor, **kwargs) -> None:
    case = task.case
    notify(
        users=[task.assignee],
        kind=Kind.TASK_ASSIGNED,
        key=f"task:{task.pk}",
        case_reference=case.reference,
        subject=f"You have a task on case {case.reference}, due {task.due_on:%-d %B %Y}",
        link=_case_link(case) + "#tasks",
    )


def on_note_added(sender, note, **kwargs) -> None:
    """A partner's note, for all agencies, on a case with a lead officer: told to them."""
    case = note.case
    if (
        note.visibility != CaseNote.Visibility.ALL_AGENCIES
        or note.organisation_id == case.lead_organisation_id
        or case.lead_officer_id is None
    ):
        return
    notify(
        users=[case.lead_officer],
        kind=Kind.PARTNER_NOTE,
        key=f"note:{note.pk}",
        case_reference=case.reference,
        subject=f"{note.organisation.name} added a note to case {case.reference}",
        link=_case_link(case) + "#timeline",
    )


def on_notices_recorded(sender, keys, user_ids, **kwargs) -> None:
    """ASB Case Review notices (partners.Notification): e-mailed as each person chooses."""
    notices_queue(keys=keys, user_ids=user_ids)


def connect() -> None:
    notices_recorded.connect(on_notices_recorded, dispatch_uid="notifications.notices_recorded")
    signals.case_shared.connect(on_case_shared, dispatch_uid="notifications.case_shared")
    signals.transfer_proposed.connect(
        on_transfer_proposed, dispatch_uid="notifications.transfer_proposed"
    )
    signals.case_assigned.connect(on_case_assigned, dispatch_uid="notifications.case_assigned")
    signals.task_assigned.connect(on_task_assigned, dispatch_uid="notifications.task_assigned")
    signals.note_added.connect(on_note_added, dispatch_uid="notifications.note_added")
