from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """The victim's voice: a short survey after a case or a Case Review closes."""

    name = "feedback"
    verbose_name = "Victims' feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from feedback import receivers

        receivers.connect()
