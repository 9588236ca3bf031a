"""Reference data for the partnership's two local authorities, and a database-level guard
that makes the audit log append-only on PostgreSQL (UPDATE and DELETE raise).

TRUNCATE is left to the table's owner (the test suite's flush needs it); the application's
database role in production should not own the table (docs/adr/0002-audit-log.md)."""

from django.db import migrations

LOCAL_AUTHORITIES = [
    ("E06000047", "County Durham"),
    ("E06000005", "Darlington"),
]

GUARD_SQL = """
CREATE OR REPLACE FUNCTION partners_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'partners_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER partners_auditevent_no_update_or_delete
    BEFORE UPDATE OR DELETE ON partners_auditevent
    FOR EACH ROW EXECUTE FUNCTION partners_auditevent_append_only();
"""

UNGUARD_SQL = """
DROP TRIGGER IF EXISTS partners_auditevent_no_update_or_delete ON partners_auditevent;
DROP FUNCTION IF EXISTS partners_auditevent_append_only();
"""


def add_local_authorities(apps, schema_editor):
    LocalAuthority = apps.get_model("partners", "LocalAuthority")
    for code, name in LOCAL_AUTHORITIES:
        LocalAuthority.objects.update_or_create(code=code, defaults={"name": name})


def guard_audit_log(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL)


def unguard_audit_log(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [
        migrations.RunPython(add_local_authorities, migrations.RunPython.noop),
        migrations.RunPython(guard_audit_log, unguard_audit_log),
    ]
