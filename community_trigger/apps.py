from django.apps import AppConfig

CHAMPION = [
    "community_trigger.add_application",
    "community_trigger.view_application",
    "community_trigger.decide_application",
    "community_trigger.change_threshold_policy",
    "community_trigger.view_thresholdpolicy",
    "community_trigger.view_sweepalert",
    "community_trigger.change_sweepalert",
    "community_trigger.change_recommendation",
]
PARTNER_STAFF = [
    "community_trigger.add_application",
    "community_trigger.view_application",
    "community_trigger.change_recommendation",
]


class CommunityTriggerConfig(AppConfig):
    name = "community_trigger"
    verbose_name = "ASB Case Review (Community Trigger)"
    default_auto_field = "django.db.models.BigAutoField"

    role_permissions = {
        "asb_champion": CHAMPION,
        "case_officer": PARTNER_STAFF,
        "supervisor": PARTNER_STAFF,
    }

    def ready(self) -> None:
        from community_trigger import receivers

        receivers.connect()
