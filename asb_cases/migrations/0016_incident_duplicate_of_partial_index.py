"""Incidents: the index on duplicate_of holds only the incidents that duplicate another
(`duplicate_of IS NOT NULL`, 3,546 of 1,004,500 in the benchmark set), instead of one entry
for every incident, NULL or not: one index fewer to write for almost every incident recorded
(ADR 0023). Every query that looks incidents up by duplicate_of (Django's SET_NULL when an
incident is deleted, the foreign key's check, `duplicates`) compares it with a value, which
the partial index serves.

The partial index is created first, then the old one dropped by name; the field's
`db_index=False` changes only the state (Django's AlterField would also drop and re-add the
foreign key, validating it over the whole table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0015_dashboard_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="asb_inc_duplicate_of",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="duplicate_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="duplicates",
                        to="asb_cases.incident",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "asb_cases_incident_duplicate_of_id_4e503eab"',
                    reverse_sql='CREATE INDEX "asb_cases_incident_duplicate_of_id_4e503eab" ON "asb_cases_incident" ("duplicate_of_id")',
                ),
            ],
        ),
    ]
