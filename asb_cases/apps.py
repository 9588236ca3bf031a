from django.apps import AppConfig

CASE_WORK = [
    "asb_cases.add_incident",
    "asb_cases.view_incident",
    "asb_cases.change_incident",
    "asb_cases.add_case",
    "asb_cases.view_case",
    "asb_cases.change_case",
    "asb_cases.contribute_case",
    "asb_cases.share_case",
]


class AsbCasesConfig(AppConfig):
    name = "asb_cases"
    verbose_name = "ASB cases"
    default_auto_field = "django.db.models.BigAutoField"

    # Model permissions per role; what an organisation may do on one case is further limited
    # by its object permissions (asb_cases.access). Partner admins and analysts do not work
    # on case records.
    role_permissions = {
        "case_officer": CASE_WORK,
        "supervisor": [*CASE_WORK, "asb_cases.decide_transfer"],
        "asb_champion": [
            "asb_cases.view_incident",
            "asb_cases.view_case",
            "asb_cases.contribute_case",
        ],
    }
