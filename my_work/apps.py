from django.apps import AppConfig


class MyWorkConfig(AppConfig):
    """The signed-in home page of officers and supervisors: what is theirs to do today."""

    name = "my_work"
    verbose_name = "My work"
    default_auto_field = "django.db.models.BigAutoField"
