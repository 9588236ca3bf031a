from django.apps import AppConfig

VICTIM_WORK = [
    "victims.add_person",
    "victims.view_person",
    "victims.change_person",
    "victims.merge_person",
    "victims.add_riskassessment",
    "victims.view_riskassessment",
    "victims.add_contactlog",
    "victims.add_supportreferral",
    "victims.change_supportreferral",
    "victims.add_impactstatement",
]


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = "Victims"
    default_auto_field = "django.db.models.BigAutoField"

    role_permissions = {
        "case_officer": VICTIM_WORK,
        "supervisor": [*VICTIM_WORK, "victims.change_statusdefinition"],
        "asb_champion": [
            "victims.view_person",
            "victims.view_riskassessment",
            "victims.add_impactstatement",
            "victims.change_statusdefinition",
        ],
    }
