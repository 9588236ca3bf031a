from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Information governance: retention and disposal, legal holds, subject access and the
    organisation's audit trail read back (docs/adr/0016-retention-and-disposal.md,
    docs/adr/0017-subject-access-and-onboarding.md)."""

    name = "governance"
    verbose_name = "Information governance"
    default_auto_field = "django.db.models.BigAutoField"

    # The partner admin is the organisation's data protection lead here: it reviews what is
    # due for disposal, places legal holds, answers subject access requests and reads who
    # viewed what. No other role does.
    role_permissions = {
        "partner_admin": ["governance.manage_information"],
    }

    def ready(self) -> None:
        from governance import sharing

        sharing.connect()
