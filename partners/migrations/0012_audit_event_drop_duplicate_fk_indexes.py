"""Audit events: no single-column indexes on actor and organisation, which partners_audit_actor
and partners_audit_org lead with (ADR 0023).

Only the state changes to `db_index=False`; in the database the index is dropped by name
(Django's AlterField would also drop and re-add the foreign key, validating it over the whole
table). The names are those Django gave the indexes, on PostgreSQL and SQLite alike."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0011_organisation_isa_dates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.organisation",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "partners_auditevent_actor_id_f59b4869"',
                    reverse_sql='CREATE INDEX "partners_auditevent_actor_id_f59b4869" ON "partners_auditevent" ("actor_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "partners_auditevent_organisation_id_96621dc5"',
                    reverse_sql='CREATE INDEX "partners_auditevent_organisation_id_96621dc5" ON "partners_auditevent" ("organisation_id")',
                ),
            ],
        ),
    ]
