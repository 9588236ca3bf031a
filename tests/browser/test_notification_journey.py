"""A housing officer shares a case with the police; a police officer is told on their My work
page and by an e-mail the real Celery worker sends (captured by the test), and the
notification opens the case. axe checks every page at desktop width and at 375 px."""

import time

from notifications.models import Notification
from tests.factories import make_case, make_incident, make_person


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_a_share_reaches_the_partner_in_the_service_and_by_email(journey, cast, worker_mail):
    victim = make_person(cast.owner.officer, given_name="Rosalind", family_name="Quayle")
    case = make_case(
        cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=victim)]
    )

    housing = journey()
    housing.sign_in("officer@test-housing")
    housing.visit(f"/cases/{case.uuid}/share/")
    housing.page.get_by_label("Share with").select_option(label=cast.partner.organisation.name)
    housing.choose("View")
    housing.page.get_by_label("No: the case only", exact=False).check()
    housing.fill("Why does the partner need it?", "Joint patrols near the address")
    housing.page.get_by_label("Crime and Disorder Act 1998, section 115").check()
    housing.submit("Share case")
    assert cast.partner.organisation.name in housing.text()

    # The e-mail: sent by the worker through the outbox, naming the case by its reference.
    def police_officer_mail():
        return [m for m in worker_mail() if m["To"] == cast.partner.officer.email]

    messages = wait_for(police_officer_mail)
    assert messages, "the worker sent the police officer no e-mail"
    (message,) = messages
    body = message.get_payload(decode=True).decode()
    assert case.reference in message["Subject"]
    assert f"/cases/{case.uuid}/" in body
    for personal in ("Rosalind", "Quayle", "Elm Court"):
        assert personal not in body and personal not in message["Subject"]
    assert wait_for(
        lambda: (
            not Notification.objects.filter(
                user=cast.partner.officer, emailed_at__isnull=True
            ).exists()
        )
    )

    # In the service: on My work, and the notification opens the case.
    police = journey()
    police.sign_in("officer@test-police")
    police.visit("/")
    updates = police.page.get_by_test_id("my-work-updates")
    assert f"Case {case.reference} has been shared with Test Police" in updates.inner_text()
    police.page.set_viewport_size({"width": 375, "height": 800})
    police.check_accessibility()
    police.page.set_viewport_size({"width": 1280, "height": 900})
    police.follow("All your notifications")
    police.page.set_viewport_size({"width": 375, "height": 800})
    police.check_accessibility()
    police.page.set_viewport_size({"width": 1280, "height": 900})
    police.follow(f"Case {case.reference} has been shared with Test Police")
    assert police.page.url.endswith(f"/cases/{case.uuid}/")
    assert case.reference in police.text()
    police.visit("/notifications/settings/")
    police.choose("In one e-mail a day")
    police.submit("Save")
    assert "Your notification settings have been saved." in police.text()
