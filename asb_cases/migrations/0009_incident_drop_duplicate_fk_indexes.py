"""Incidents: no single-column indexes on reported_to, reporter and victim, which the composite
indexes asb_inc_org_reported, asb_inc_reporter_occurred and asb_inc_victim_occurred lead with
(ADR 0023): three fewer indexes for every incident written.

Only the state changes to `db_index=False`; in the database the index is dropped by name
(Django's AlterField would also drop and re-add the foreign key, validating it over the whole
table). The names are those Django gave the indexes, on PostgreSQL and SQLite alike."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0008_case_closure_notice"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="reported_to",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents",
                        to="partners.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="reporter",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents_reported",
                        to="victims.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="victim",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents_as_victim",
                        to="victims.person",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "asb_cases_incident_reported_to_id_0368e280"',
                    reverse_sql='CREATE INDEX "asb_cases_incident_reported_to_id_0368e280" ON "asb_cases_incident" ("reported_to_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "asb_cases_incident_reporter_id_b6187beb"',
                    reverse_sql='CREATE INDEX "asb_cases_incident_reporter_id_b6187beb" ON "asb_cases_incident" ("reporter_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "asb_cases_incident_victim_id_aca3939b"',
                    reverse_sql='CREATE INDEX "asb_cases_incident_victim_id_aca3939b" ON "asb_cases_incident" ("victim_id")',
                ),
            ],
        ),
    ]
