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
    # The support of a victim on a case.
    "asb_cases.add_riskassessment",
    "asb_cases.view_riskassessment",
    "asb_cases.add_contactlog",
    "asb_cases.add_supportreferral",
    "asb_cases.change_supportreferral",
    "asb_cases.add_impactstatement",
]


class AsbCasesConfig(AppConfig):
    name = "asb_cases"
    verbose_name = "ASB cases"
    default_auto_field = "django.db.models.BigAutoField"

    # Model permissions per role; what an organisation may do on one case is further limited
    # by its object permissions (access.rules). Partner admins and analysts do not work on
    # case records.
    role_permissions = {
        "case_officer": CASE_WORK,
        "supervisor": [*CASE_WORK, "asb_cases.decide_transfer"],
        "asb_champion": [
            "asb_cases.view_incident",
            "asb_cases.view_case",
            "asb_cases.contribute_case",
            "asb_cases.view_riskassessment",
            "asb_cases.add_impactstatement",
        ],
    }

    def ready(self) -> None:
        from asb_cases import receivers

        receivers.connect()
