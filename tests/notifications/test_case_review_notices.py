"""ASB Case Review notices (partners.Notification) are e-mailed like every notification: as
each person chooses (at once through the outbox, in the daily digest, or never), with the
application's reference and a link, and nothing personal (docs/adr/0018, addendum)."""

import time

import pytest
from django.core import mail

from notifications import services
from notifications.models import Preference
from partners.models import Notification as Notice
from partners.models import OutboxTask
from partners.services import notify
from tests.community_trigger.conftest import apply_for
from tests.factories import make_person

Email = Preference.Email


def _victim(cast):
    return make_person(cast.owner.officer, given_name="Marigold", family_name="Featherstone")


def _send_queued() -> int:
    sent = 0
    for task in OutboxTask.objects.filter(task_name=services.SEND_TASK).order_by("id"):
        sent += services.email_send(**task.kwargs)
    return sent


@pytest.mark.django_db
def test_a_new_application_is_emailed_at_once_to_the_champion_once_and_without_its_body(cast):
    mail.outbox.clear()
    application = apply_for(_victim(cast), actor=cast.owner.officer)
    notice = Notice.objects.get(user=cast.champion, key__endswith=":received")
    (task,) = OutboxTask.objects.filter(
        task_name=services.SEND_TASK, kwargs__notice_ids__contains=[notice.pk]
    )

    assert services.email_send(**task.kwargs) == 1
    assert services.email_send(**task.kwargs) == 0  # delivered twice: sent once

    (message,) = [m for m in mail.outbox if m.to == [cast.champion.email]]
    assert application.reference in message.subject
    assert f"{notice.link}" in message.body
    text = message.subject + message.body
    for personal in ("Marigold", "Featherstone", "A. Neighbour", "DL1", "applicant@"):
        assert personal not in text
    assert notice.body and notice.body not in message.body  # the body stays in the service
    notice.refresh_from_db()
    assert notice.emailed_at is not None and notice.read_at is None


@pytest.mark.django_db
def test_daily_digest_carries_notices_with_notifications_and_never_sends_none(cast):
    services.preference_set(user=cast.champion, email=Email.DAILY)
    services.preference_set(user=cast.owner.supervisor, email=Email.NONE)
    apply_for(None, actor=cast.owner.officer)
    notify(users=[cast.owner.supervisor], key="deadline:x", subject="CR-1: a deadline is due")
    assert not OutboxTask.objects.filter(task_name=services.SEND_TASK).exists()
    mail.outbox.clear()

    assert services.digest_send() == 1

    (digest,) = mail.outbox
    assert digest.to == [cast.champion.email]
    assert "New Case Review application" in digest.body or "New Case Review" in digest.subject
    assert services.digest_send() == 0
    assert not Notice.objects.filter(emailed_at__isnull=True).exists()  # none: stamped, unsent
    assert Notice.objects.filter(user=cast.owner.supervisor, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_many_notices_at_once_are_queued_in_batches(cast, monkeypatch):
    monkeypatch.setattr(services, "SEND_BATCH", 1)
    users = [cast.owner.officer, cast.owner.supervisor, cast.partner.officer]
    services.preference_set(user=cast.partner.officer, email=Email.NONE)

    notify(users=users, key="sweep:2026-11-30:victims", subject="2 of your victims ...")

    tasks = OutboxTask.objects.filter(task_name=services.SEND_TASK)
    assert sorted(len(t.kwargs["notice_ids"]) for t in tasks) == [1, 1]
    mail.outbox.clear()
    assert _send_queued() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast.owner.officer.email, cast.owner.supervisor.email]
    )


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_real_worker_emails_a_case_review_notice(cast, worker_mail):
    application = apply_for(_victim(cast), actor=cast.owner.officer)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = [m for m in worker_mail() if m["To"] == cast.champion.email]
        if messages:
            break
        time.sleep(0.2)
    assert messages, "the worker sent the ASB Champion no e-mail"
    subjects = " ".join(m["Subject"] for m in messages)
    body = " ".join(m.get_payload(decode=True).decode() for m in messages)
    assert application.reference in subjects
    assert f"/case-reviews/{application.uuid}/" in body
    for personal in ("Marigold", "Featherstone", "A. Neighbour"):
        assert personal not in body and personal not in subjects
    deadline = time.monotonic() + 30
    while Notice.objects.filter(user=cast.champion, emailed_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the notice was never stamped as e-mailed"
        time.sleep(0.2)
