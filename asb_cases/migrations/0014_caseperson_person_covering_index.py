"""Case people: one index for a person's links that also carries whose record each shows and
the case (access.rules.person_details checks a link for every name a search matches; the
search then reads the named people's cases), read from the index alone; and no single-column
index on `person`, which that index leads with (ADR 0023).

Only the state changes to `db_index=False`; in the database the index is dropped by name
(Django's AlterField would also drop and re-add the foreign key, validating it over the whole
table). The name is the one Django gave the index, on PostgreSQL and SQLite alike."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0013_my_work_clock_and_task_indexes"),
        ("victims", "0008_person_details_postcode_district"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="caseperson",
            index=models.Index(
                fields=["person", "role"],
                include=("organisation", "case"),
                name="asb_caseperson_person_cover",
            ),
        ),
        migrations.RemoveIndex(
            model_name="caseperson",
            name="asb_caseperson_person",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="caseperson",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="case_links",
                        to="victims.person",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "asb_cases_caseperson_person_id_ce538b43"',
                    reverse_sql='CREATE INDEX "asb_cases_caseperson_person_id_ce538b43" '
                    'ON "asb_cases_caseperson" ("person_id")',
                ),
            ],
        ),
    ]
