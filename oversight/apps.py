from django.apps import AppConfig


class OversightConfig(AppConfig):
    """What the partnership answers for: the PCC's review of "threshold not met" decisions
    (Crime and Policing Act 2026) and the published figures."""

    name = "oversight"
    verbose_name = "Oversight: PCC reviews and published figures"
    default_auto_field = "django.db.models.BigAutoField"
