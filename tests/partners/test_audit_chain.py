"""The audit log cannot be tampered with by the application's own database role, and any
change made by a more powerful one is found by `manage.py audit_verify` (PostgreSQL)."""

import uuid

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from partners.audit import SystemActor, audit_event, audit_record, audit_record_many
from partners.models import AuditChain, AuditEvent

ACTOR = SystemActor("tests")


def record(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=ACTOR, verb="viewed", action="test", detail={"n": i}) for i in range(n)
    ]


@pytest.fixture
def runtime_role(transactional_db):
    """A login role of its own, given the runtime rights by the command production runs."""
    role = f"asb_runtime_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        call_command("db_grant_runtime_role", role)
        settings = connection.settings_dict
        conn = psycopg2.connect(
            dbname=settings["NAME"],
            user=role,
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
        )
        conn.autocommit = True
        yield conn
        conn.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


REFUSED = [
    "TRUNCATE partners_auditevent",
    "ALTER TABLE partners_auditevent DISABLE TRIGGER ALL",
    "ALTER TABLE partners_auditevent DISABLE TRIGGER partners_auditevent_no_update_or_delete",
    "DROP TRIGGER partners_auditevent_chain ON partners_auditevent",
    "UPDATE partners_auditevent SET action = 'rewritten'",
    "DELETE FROM partners_auditevent",
    "UPDATE partners_auditchain SET seq = 0",
    "DROP TABLE partners_auditevent",
]


def test_the_runtime_role_is_refused_anything_but_reading_and_appending(runtime_role):
    record(2)
    for statement in REFUSED:
        with (
            runtime_role.cursor() as cursor,
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    with runtime_role.cursor() as cursor:
        cursor.execute(
            "INSERT INTO partners_auditevent (occurred_at, actor_label, verb, action, target_type,"
            " target_id, detail, prev_hash, row_hash) VALUES (now(), 'x', 'viewed', 'a', '', '',"
            " '{}', 'forged', 'forged')"
        )
        cursor.execute("SELECT count(*) FROM partners_organisation")
        cursor.execute("SELECT count(*) FROM partners_auditchain")
    appended = AuditEvent.objects.get(actor_label="x")
    assert appended.prev_hash != "forged"  # the database chained it, whatever was sent
    call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_a_tampered_row_and_names_it():
    events = record(5)
    call_command("audit_verify")  # intact
    with connection.cursor() as cursor:  # as the owner, who can lift the guard
        cursor.execute(
            "ALTER TABLE partners_auditevent "
            "DISABLE TRIGGER partners_auditevent_no_update_or_delete"
        )
        cursor.execute(
            "UPDATE partners_auditevent SET detail = '{\"n\": 99}' WHERE id = %s", [events[2].pk]
        )
        cursor.execute(
            "ALTER TABLE partners_auditevent ENABLE TRIGGER partners_auditevent_no_update_or_delete"
        )
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert f"event {events[2].pk}" in str(failure.value)
    assert "content does not match its hash" in str(failure.value)


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_removed_events():
    events = record(4)
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE partners_auditevent "
            "DISABLE TRIGGER partners_auditevent_no_update_or_delete"
        )
        cursor.execute("DELETE FROM partners_auditevent WHERE id = %s", [events[1].pk])
        cursor.execute("DELETE FROM partners_auditevent WHERE id = %s", [events[3].pk])
        cursor.execute(
            "ALTER TABLE partners_auditevent ENABLE TRIGGER partners_auditevent_no_update_or_delete"
        )
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert f"event {events[2].pk}" in str(failure.value)
    assert "missing" in str(failure.value)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_take_different_chains_without_waiting():
    """Two transactions writing audit events at once: the second neither waits for the first
    (lock_timeout would make a wait an error) nor shares its chain."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    try:
        with transaction.atomic():
            first = audit_record(actor=ACTOR, verb="viewed", action="first")
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    "INSERT INTO partners_auditevent (occurred_at, actor_label, verb, action,"
                    " target_type, target_id, detail, prev_hash, row_hash) VALUES (now(), 'y',"
                    " 'viewed', 'second', '', '', '{}', '', '') RETURNING chain"
                )
                second_chain = cursor.fetchone()[0]
            other.commit()
        first_chain = AuditEvent.objects.get(pk=first.pk).chain
        assert first_chain != second_chain
        assert AuditChain.objects.count() == 2
        call_command("audit_verify")
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_batches_and_a_rolled_back_savepoint_leave_the_head_on_the_last_event():
    """The chain's head is stored once per INSERT statement (partners 0014): after batches of
    events in one transaction, one of them rolled back in a savepoint, and single events, the
    head is the last kept event and every link verifies."""

    def batch(n: int, tag: str) -> None:
        audit_record_many(
            [
                audit_event(actor=ACTOR, verb="created", action=tag, detail={"n": i})
                for i in range(n)
            ]
        )

    with transaction.atomic():
        batch(30, "first")
        try:
            with transaction.atomic():
                batch(20, "undone")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        record(2)
        batch(25, "last")
    assert not AuditEvent.objects.filter(action="undone").exists()
    last = AuditEvent.objects.order_by("-chain_seq").first()
    head = AuditChain.objects.get(chain=last.chain)
    assert (head.seq, head.head_hash) == (last.chain_seq, last.row_hash)
    assert AuditEvent.objects.filter(chain=last.chain).count() == 57 == last.chain_seq
    with transaction.atomic():  # a later transaction carries on from the stored head
        record(1)
    call_command("audit_verify")
