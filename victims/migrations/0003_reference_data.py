"""Reference data for victims: vulnerability factors, the default repeat and vulnerable
definitions, contact standards by risk band, and version 1 of the risk questionnaire.

The questionnaire covers the first-contact and vulnerability themes partnerships use (no single
national matrix exists): weights, band cut-offs (medium from 11, high from 22), the referral
threshold (22, as in Middlesbrough's matrix) and the review cadence (medium: 28 and 56 days;
high: 14, 28 and 56) are data, changed by adding a new version.
"""

import datetime as dt

from django.db import migrations

FACTORS = [
    ("older-person", "Aged 65 or over"),
    ("disability", "Physical disability or long-term illness"),
    ("mental-health", "Mental health condition"),
    ("learning-disability", "Learning disability or difficulty"),
    ("lives-alone", "Lives alone or is isolated"),
    ("carer", "Is a carer, or is cared for"),
    ("children-in-household", "Children in the household"),
    ("previous-victim", "Victim of crime or ASB before"),
    ("substance-misuse", "Alcohol or substance misuse"),
    ("language", "Limited English"),
    ("domestic-abuse", "Experiencing domestic abuse"),
]

# theme, question, hint, weight
QUESTIONS = [
    ("Targeting", "Is the victim being targeted because of who they are (race, religion, disability, "
     "sexual orientation, transgender identity or another characteristic)?", "", 3),
    ("Targeting", "Is the ASB aimed at the victim or their household personally?", "", 2),
    ("History", "Has the victim experienced ASB or crime before, from anyone?", "", 1),
    ("History", "Has this been going on for more than three months?", "", 2),
    ("History", "Is it happening at least once a week?", "", 2),
    ("Harm", "Has the victim been threatened, assaulted or had violence used against them?", "", 3),
    ("Harm", "Has the victim's property or home been damaged?", "", 1),
    ("Harm", "Is the victim afraid to leave their home, or afraid in their home?", "", 2),
    ("Harm", "Is the ASB affecting the victim's physical health?", "", 2),
    ("Harm", "Is the ASB affecting the victim's mental health, sleep or daily routine?", "", 2),
    ("Harm", "Has the victim had thoughts of self-harm or suicide?",
     "If yes, follow your safeguarding procedure today", 4),
    ("Vulnerability", "Does the victim have a disability or long-term illness?", "", 2),
    ("Vulnerability", "Does the victim have a mental health condition or learning disability?", "", 2),
    ("Vulnerability", "Is the victim aged 65 or over, or under 18?", "", 1),
    ("Vulnerability", "Does the victim live alone or feel isolated?", "", 1),
    ("Vulnerability", "Are there children, or other vulnerable people, in the household?", "", 2),
    ("Support", "Does the victim have no family, friends or services supporting them?", "", 1),
    ("Impact", "Is the victim thinking of moving home because of the ASB?", "", 1),
    ("Impact", "Does the victim feel that agencies have not done enough so far?", "", 1),
]

CONTACT_STANDARDS = [("high", 1, 5), ("medium", 2, 10), ("standard", 5, 20)]


def add_reference_data(apps, schema_editor):
    VulnerabilityFactor = apps.get_model("victims", "VulnerabilityFactor")
    StatusDefinition = apps.get_model("victims", "StatusDefinition")
    ContactStandard = apps.get_model("victims", "ContactStandard")
    RiskQuestionnaire = apps.get_model("victims", "RiskQuestionnaire")
    RiskQuestion = apps.get_model("victims", "RiskQuestion")
    for order, (code, name) in enumerate(FACTORS):
        VulnerabilityFactor.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    if not StatusDefinition.objects.exists():
        StatusDefinition.objects.create(
            effective_from=dt.date(2000, 1, 1),
            repeat_incident_count=3,
            repeat_window_months=12,
            second_report_window_months=6,
            vulnerable_risk_bands=["medium", "high"],
        )
    for band, first, every in CONTACT_STANDARDS:
        ContactStandard.objects.update_or_create(
            risk_band=band,
            defaults={"first_contact_working_days": first, "update_every_working_days": every},
        )
    questionnaire, _ = RiskQuestionnaire.objects.get_or_create(
        name="ASB victim risk assessment",
        version=1,
        defaults={
            "effective_from": dt.date(2026, 1, 1),
            "medium_from": 11,
            "high_from": 22,
            "referral_from": 22,
            "review_days": {"medium": [28, 56], "high": [14, 28, 56]},
        },
    )
    for order, (theme, text, hint, weight) in enumerate(QUESTIONS, start=1):
        RiskQuestion.objects.update_or_create(
            questionnaire=questionnaire,
            order=order,
            defaults={"theme": theme, "text": text, "hint": hint, "weight": weight},
        )


class Migration(migrations.Migration):
    dependencies = [("victims", "0002_victim_support")]

    operations = [migrations.RunPython(add_reference_data, migrations.RunPython.noop)]
