from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling people about what happened to their cases: in the service and by e-mail, as
    often as each person chooses (docs/adr/0018-notifications-and-my-work.md)."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import receivers

        receivers.connect()
