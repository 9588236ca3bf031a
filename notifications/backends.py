"""A Django e-mail backend that sends through GOV.UK Notify, with its official Python client.

Notify sends from templates: this backend uses one e-mail template whose subject is
((subject)) and whose body is ((body)), so every message the service sends (notifications,
invitations, Case Review letters) goes through it unchanged. Chosen in production with
EMAIL_BACKEND=notifications.backends.GovUKNotifyEmailBackend, GOVUK_NOTIFY_API_KEY and
GOVUK_NOTIFY_TEMPLATE_ID (docs/adr/0018-notifications-and-my-work.md).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class GovUKNotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.api_key = kwargs.get("api_key") or getattr(settings, "GOVUK_NOTIFY_API_KEY", "")
        self.template_id = kwargs.get("template_id") or getattr(
            settings, "GOVUK_NOTIFY_TEMPLATE_ID", ""
        )
        if not self.api_key or not self.template_id:
            raise ImproperlyConfigured(
                "GovUKNotifyEmailBackend needs GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_TEMPLATE_ID"
            )
        self.base_url = kwargs.get("base_url") or getattr(
            settings, "GOVUK_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
        )
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(self.api_key, base_url=self.base_url)
        return True

    def close(self) -> None:
        self.client = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened = self.open()
        sent = 0
        try:
            for message in email_messages:
                for address in message.recipients():
                    try:
                        self.client.send_email_notification(
                            email_address=address,
                            template_id=self.template_id,
                            personalisation={"subject": message.subject, "body": message.body},
                        )
                    except Exception:
                        if not self.fail_silently:
                            raise
                        logger.warning("GOV.UK Notify refused a message", exc_info=True)
                        continue
                sent += 1
        finally:
            if opened:
                self.close()
        return sent
