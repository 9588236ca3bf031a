"""Person details: no single-column indexes on person and organisation, which the unique
(person, organisation) and victims_details_org (organisation, person) lead with (ADR 0023).

Only the state changes to `db_index=False`; in the database the index is dropped by name
(Django's AlterField would also drop and re-add the foreign key, validating it over the whole
table). The names are those Django gave the indexes, on PostgreSQL and SQLite alike."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0006_person_details_name_trigrams"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="persondetails",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="details",
                        to="victims.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="persondetails",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.organisation",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "victims_persondetails_person_id_2c82d669"',
                    reverse_sql='CREATE INDEX "victims_persondetails_person_id_2c82d669" ON "victims_persondetails" ("person_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "victims_persondetails_organisation_id_86a95e0f"',
                    reverse_sql='CREATE INDEX "victims_persondetails_organisation_id_86a95e0f" ON "victims_persondetails" ("organisation_id")',
                ),
            ],
        ),
    ]
