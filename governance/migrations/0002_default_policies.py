"""The partnership's default retention policies (docs/adr/0016-retention-and-disposal.md).

Each organisation may set its own for the records it owns (Darlington keeps council records
five years after closure, for instance); these apply where it has not. The periods are the
common practice found in DOMAIN.md, to be confirmed by each partner's DPO: data, not code."""

from django.db import migrations

DEFAULTS = [
    # record type, days, action, review, basis
    ("closed_case", 6 * 365 + 2, "anonymise", True, "Six years after closure (council practice, e.g. Bury)"),
    ("incident", 2 * 365 + 1, "anonymise", True, "Two years after it happened, when on no open case"),
    ("application", 6 * 365 + 2, "anonymise", True, "Six years after receipt; the published yearly figures keep their counts"),
    ("person_details", 90, "delete", False, "Ninety days after the organisation holds nothing else about the person"),
    ("audit_event", 7 * 365 + 2, "report", False, "Seven years; old partitions are dropped by the database owner"),
    ("outbox", 14, "delete", False, "Completed background work, kept a fortnight"),
    ("session", 1, "delete", False, "Sessions a day after they expired"),
    ("notification", 180, "delete", False, "Notifications after six months"),
]


def add_defaults(apps, schema_editor):
    RetentionPolicy = apps.get_model("governance", "RetentionPolicy")
    for record_type, days, action, review, basis in DEFAULTS:
        RetentionPolicy.objects.get_or_create(
            organisation=None,
            record_type=record_type,
            defaults={"keep_days": days, "action": action, "requires_review": review, "basis": basis},
        )


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
