from django.apps import AppConfig

PERSON_WORK = [
    "victims.add_person",
    "victims.view_person",
    "victims.change_person",
    "victims.merge_person",
]


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = "Victims"
    default_auto_field = "django.db.models.BigAutoField"

    # Model permissions per role. What of a person an organisation sees is access.rules and
    # access.redaction; the support records about a victim on a case belong to asb_cases. The
    # partnership's definitions of repeat and vulnerable victims are changed by its admin
    # (partners.roles.is_partnership_admin), whatever their role.
    role_permissions = {
        "case_officer": PERSON_WORK,
        "supervisor": PERSON_WORK,
        "asb_champion": ["victims.view_person"],
    }
