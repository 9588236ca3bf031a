import pytest
from django.db import DatabaseError, connection, transaction

from partners.audit import SystemActor, audit_record
from partners.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm():
    event = audit_record(actor=SystemActor("tests"), verb="created", action="test")
    event.action = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates_and_deletes_of_audit_events():
    event = audit_record(actor=SystemActor("tests"), verb="created", action="test")
    for sql in (
        "UPDATE partners_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM partners_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test"


def test_system_actors_are_named_in_the_log():
    event = audit_record(actor=SystemActor("case-review-engine"), verb="created", action="x")
    assert event.actor is None
    assert event.actor_label == "system:case-review-engine"
