from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and access"
    default_auto_field = "django.db.models.BigAutoField"

    # Model permissions each role holds in this app (see partners/roles.py).
    role_permissions = {
        "partner_admin": [
            "partners.manage_organisation_users",
            "partners.view_organisation",
        ],
        "supervisor": ["partners.view_organisation"],
        "case_officer": ["partners.view_organisation"],
        "asb_champion": ["partners.view_organisation"],
        "analyst": ["partners.view_organisation"],
    }

    def ready(self) -> None:
        from partners import db_search, receivers, roles

        receivers.connect()
        db_search.register_lookups()
        # Role groups and their permissions are defined in code and re-applied after every
        # migrate, once the permissions of every app exist.
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="partners.sync_roles")
