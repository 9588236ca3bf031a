"""Notifications: who is told what, e-mail as each person chooses, and nothing personal."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from django.core import mail
from django.utils import timezone

from asb_cases import services as case_services
from notifications import services
from notifications.backends import GovUKNotifyEmailBackend
from notifications.models import Notification, Preference
from partners.models import OutboxTask
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def case(cast):
    victim = make_person(cast.owner.officer, given_name="Marigold", family_name="Featherstone")
    return make_case(
        cast.owner.officer,
        incidents=[make_incident(cast.owner.officer, victim=victim)],
        title="Threats on Elm Court",
    )


def told(user, kind=None):
    rows = Notification.objects.filter(user=user)
    return list(rows.filter(kind=kind) if kind else rows)


def test_a_share_tells_the_partners_case_workers_and_nobody_else(cast, case):
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    for user in (cast.partner.officer, cast.partner.supervisor):
        (notification,) = told(user, Kind.CASE_SHARED)
        assert notification.subject == (
            f"Case {case.reference} has been shared with {cast.partner.organisation.name}"
        )
        assert notification.link == f"/cases/{case.uuid}/"
    for user in (cast.partner.admin, cast.partner.analyst, cast.unrelated.officer):
        assert not told(user)


def test_notification_text_carries_nothing_personal(cast, case):
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    mail.outbox.clear()
    services.email_send(notification_ids=list(Notification.objects.values_list("pk", flat=True)))
    texts = [n.subject for n in Notification.objects.all()] + [
        m.subject + m.body for m in mail.outbox
    ]
    assert texts
    for text in texts:
        for personal in ("Marigold", "Featherstone", "Elm Court", "DL1 4QT", "Threats"):
            assert personal not in text
        assert case.reference in text


def test_a_transfer_tells_the_receiving_supervisors_only(cast, case):
    transfer = case_services.case_transfer_propose(
        actor=cast.owner.officer,
        case=case,
        to_organisation=cast.partner.organisation,
        reason="They hold the tenancy",
    )
    (notification,) = told(cast.partner.supervisor, Kind.TRANSFER_PROPOSED)
    assert notification.link == f"/cases/transfers/{transfer.uuid}/"
    assert not told(cast.partner.officer, Kind.TRANSFER_PROPOSED)


def test_assigning_a_case_and_a_task_tells_the_officer_but_not_when_they_do_it(cast, case):
    colleague = case.lead_officer  # the owner's officer, who opened it for themselves
    assert not told(colleague, Kind.CASE_ASSIGNED)
    case_services.case_update_details(
        actor=cast.owner.officer,
        case=case,
        expected_version=case.version,
        lead_officer=cast.owner.supervisor,
    )
    assert len(told(cast.owner.supervisor, Kind.CASE_ASSIGNED)) == 1
    case_services.case_add_task(
        actor=cast.owner.supervisor,
        case=case,
        title="Visit Marigold",
        due_on=timezone.localdate() + dt.timedelta(days=2),
        assignee=cast.owner.officer,
    )
    (task_notice,) = told(cast.owner.officer, Kind.TASK_ASSIGNED)
    assert "Marigold" not in task_notice.subject
    case_services.case_add_task(
        actor=cast.owner.officer,
        case=case,
        title="Own task",
        due_on=timezone.localdate(),
        assignee=cast.owner.officer,
    )
    assert len(told(cast.owner.officer, Kind.TASK_ASSIGNED)) == 1


def test_a_partners_note_for_all_agencies_tells_the_lead_officer(cast, case):
    share_case(
        case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    case_services.case_add_note(
        actor=cast.contributor.officer, case=case, body="Seen", visibility="my_organisation"
    )
    case_services.case_add_note(
        actor=cast.owner.supervisor, case=case, body="Ours", visibility="all_agencies"
    )
    assert not told(cast.owner.officer, Kind.PARTNER_NOTE)
    case_services.case_add_note(
        actor=cast.contributor.officer, case=case, body="Visited", visibility="all_agencies"
    )
    (notification,) = told(cast.owner.officer, Kind.PARTNER_NOTE)
    assert notification.subject == (
        f"{cast.contributor.organisation.name} added a note to case {case.reference}"
    )


def test_at_once_queues_the_email_through_the_outbox_and_sends_it_once(cast, case):
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    (task,) = OutboxTask.objects.filter(task_name="notifications.email_send")
    ids = task.kwargs["notification_ids"]
    assert len(ids) == 2  # the partner's officer and supervisor
    mail.outbox.clear()
    assert services.email_send(notification_ids=ids) == 2
    assert services.email_send(notification_ids=ids) == 0  # delivered twice: sent once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast.partner.officer.email, cast.partner.supervisor.email]
    )
    assert f"/cases/{case.uuid}/" in mail.outbox[0].body


def test_daily_digest_and_none(cast, case):
    services.preference_set(user=cast.partner.officer, email=Preference.Email.DAILY)
    services.preference_set(user=cast.partner.supervisor, email=Preference.Email.NONE)
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    case_services.case_transfer_propose(
        actor=cast.owner.officer,
        case=case,
        to_organisation=cast.partner.organisation,
        reason="They hold the tenancy",
    )
    assert not OutboxTask.objects.filter(task_name="notifications.email_send").exists()
    second = make_case(cast.owner.officer)
    share_case(second, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    mail.outbox.clear()
    assert services.digest_send() == 1
    (digest,) = mail.outbox
    assert digest.to == [cast.partner.officer.email]
    assert digest.subject.startswith("2 updates")
    assert case.reference in digest.body and second.reference in digest.body
    assert services.digest_send() == 0
    # The supervisor chose no e-mail: nothing is sent, and nothing waits for them.
    assert not Notification.objects.filter(
        user=cast.partner.supervisor, emailed_at__isnull=True
    ).exists()
    assert told(cast.partner.supervisor)  # still told in the service


def test_the_pages_show_only_ones_own_and_save_the_preference(cast, case):
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    partner = client_for(cast.partner.officer)
    page = partner.get("/notifications/").content.decode()
    assert f"Case {case.reference} has been shared" in page
    assert (
        case.reference
        not in client_for(cast.unrelated.officer).get("/notifications/").content.decode()
    )
    assert f"Case {case.reference} has been shared" in partner.get("/").content.decode()
    response = partner.post("/notifications/", {})
    assert response.status_code == 302
    assert told(cast.partner.officer)[0].read_at is not None
    # The supervisor's notification is not theirs to mark.
    assert told(cast.partner.supervisor)[0].read_at is None

    bad = partner.post("/notifications/settings/", {"email": "hourly"})
    assert bad.status_code == 200
    assert "govuk-error-summary" in bad.content.decode()
    assert partner.post("/notifications/settings/", {"email": "daily"}).status_code == 302
    assert Preference.objects.get(user=cast.partner.officer).email == "daily"


class _FakeNotify(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        _FakeNotify.received.append((self.path, body, token))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "00000000-0000-0000-0000-000000000001"}).encode())

    def log_message(self, *args):
        pass


def test_the_govuk_notify_backend_sends_through_the_official_client(settings):
    server = HTTPServer(("127.0.0.1", 0), _FakeNotify)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    service_id = "11111111-1111-1111-1111-111111111111"
    secret = "22222222-2222-2222-2222-222222222222"
    try:
        backend = GovUKNotifyEmailBackend(
            api_key=f"test_key-{service_id}-{secret}",
            template_id="33333333-3333-3333-3333-333333333333",
            base_url=f"http://127.0.0.1:{server.server_port}",
        )
        message = mail.EmailMessage("Case ASB-2026-000001", "Body", to=["someone@example.org"])
        assert backend.send_messages([message]) == 1
    finally:
        server.shutdown()
    ((path, body, token),) = _FakeNotify.received
    assert path == "/v2/notifications/email"
    assert body == {
        "email_address": "someone@example.org",
        "template_id": "33333333-3333-3333-3333-333333333333",
        "personalisation": {"subject": "Case ASB-2026-000001", "body": "Body"},
    }
    assert jwt.decode(token, secret, algorithms=["HS256"])["iss"] == service_id
