"""The audit log's single entry point, and who is acting.

Services call `audit_record` inside their own transaction, so the change and its audit event
commit or roll back together. The request's address (and API client) reach it through a
context variable set by `AuditContextMiddleware`, so services never take a request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from partners import audit_chain
from partners.db_insert import insert_rows
from partners.models import AuditEvent, Organisation, User


@dataclass(frozen=True)
class SystemActor:
    """A named background actor (a Celery job) that is not a person."""

    name: str

    @property
    def label(self) -> str:
        return f"system:{self.name}"


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    # Set when a partner system calls the API: the audit names the client, not a person.
    api_client_label: str | None = None


_request_context: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "audit_request_context",
    default=RequestContext(),  # noqa: B039 (a frozen dataclass: immutable)
)


@contextmanager
def request_context(context: RequestContext) -> Iterator[None]:
    token = _request_context.set(context)
    try:
        yield
    finally:
        _request_context.reset(token)


def current_request_context() -> RequestContext:
    return _request_context.get()


def set_api_client_label(label: str) -> None:
    """Name the API client acting in this request (called by the API authentication)."""
    current = _request_context.get()
    _request_context.set(RequestContext(ip_address=current.ip_address, api_client_label=label))


Actor = User | SystemActor | None


def _actor_fields(actor: Actor) -> tuple[User | None, str, Organisation | None]:
    if isinstance(actor, SystemActor):
        return None, actor.label, None
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "anonymous", None
    membership = getattr(actor, "membership", None)
    organisation = membership.organisation if membership is not None else None
    return actor, actor.get_username(), organisation


def audit_event(
    *,
    actor: Actor,
    verb: str,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """One event for the audit log, not yet written: `audit_record` writes one, and
    `audit_record_many` a batch of them in one statement."""
    user, label, actor_organisation = _actor_fields(actor)
    context = current_request_context()
    if context.api_client_label:
        label = context.api_client_label
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    return AuditEvent(
        occurred_at=timezone.now(),
        actor=user,
        actor_label=actor_label or label,
        organisation=organisation or actor_organisation,
        verb=verb,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip_address=context.ip_address,
        detail=detail or {},
    )


def audit_record(
    *,
    actor: Actor,
    verb: str,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log."""
    event = audit_event(
        actor=actor,
        verb=verb,
        action=action,
        target=target,
        target_type=target_type,
        target_id=target_id,
        organisation=organisation,
        detail=detail,
        actor_label=actor_label,
    )
    if audit_chain.in_database():  # PostgreSQL's trigger chains the row as it is inserted
        event.save()
    else:
        with transaction.atomic(savepoint=False):
            audit_chain.chain_in_python([event])
            event.save()
    return event


def audit_viewed(
    *,
    actor: Actor,
    action: str,
    verb: str = AuditEvent.Verb.VIEWED,
    target: models.Model | None = None,
    target_type: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that someone read (or searched, or exported) protected records: every page and
    API answer that shows a case's or a person's details writes one, in its own transaction.

    On PostgreSQL outside any transaction that is the INSERT alone: one statement is its own
    transaction, and the chain trigger runs inside it, so BEGIN and COMMIT around it were
    two more round trips on every page for nothing. Inside a caller's transaction it is a
    savepoint, as before."""
    fields = {
        "actor": actor,
        "verb": verb,
        "action": action,
        "target": target,
        "target_type": target_type,
        "detail": detail,
    }
    if audit_chain.in_database() and not connection.in_atomic_block:
        return audit_record(**fields)
    with transaction.atomic():
        return audit_record(**fields)


def audit_record_many(events: list[AuditEvent]) -> None:
    """Append events built by `audit_event` to the audit log, together."""
    with transaction.atomic(savepoint=False):
        audit_chain.chain_in_python(events)
        insert_rows(events)


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that differ, as {"field": {"before": ..., "after": ...}}, for audit detail."""
    return {
        field: {"before": before.get(field), "after": after.get(field)}
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }
