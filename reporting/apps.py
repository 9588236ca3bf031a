from django.apps import AppConfig

DASHBOARDS = ["reporting.view_dashboards"]
PARTNERSHIP = [*DASHBOARDS, "reporting.view_partnership_totals"]


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"
    default_auto_field = "django.db.models.BigAutoField"

    # Case officers and supervisors see their organisation's dashboards (what it owns and what
    # was shared with it; a supervisor's team is their organisation's officers). The ASB
    # Champion and analysts see partnership totals; analysts never see people, and alone load
    # police.uk open data. Partner admins do not work with case records.
    role_permissions = {
        "case_officer": DASHBOARDS,
        "supervisor": DASHBOARDS,
        "asb_champion": PARTNERSHIP,
        "analyst": [*PARTNERSHIP, "reporting.import_open_data"],
    }
