"""Give the application's runtime database role what it needs, and nothing on the audit log
beyond reading and appending (docs/adr/0012-audit-hash-chain.md).

Run by the owner role (the one that runs migrations) after every `migrate`:

    python manage.py migrate && python manage.py db_grant_runtime_role asb_app

The runtime role (web, workers, beat) then reads and writes the application's tables, but on
partners_auditevent it may only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE, and since it
owns nothing it cannot ALTER the table, DISABLE or DROP its triggers. It may read the audit
chain heads, never change them (the trigger that does runs as the owner).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

AUDIT_TABLE = "partners_auditevent"
CHAIN_TABLE = "partners_auditchain"


class Command(BaseCommand):
    help = "Grant the runtime database role its rights (PostgreSQL; run as the owner role)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The runtime role the web and workers connect as")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter; nothing to do here.")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, pg_has_role(%s, current_user, 'MEMBER') "
                "FROM pg_roles WHERE rolname = %s",
                [role, role],
            )
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"There is no database role {role!r}: create it first.")
            if row[0]:
                raise CommandError(f"{role!r} is a superuser: the runtime role must not be.")
            if row[1]:
                raise CommandError(
                    f"{role!r} is (a member of) the owner role, so it could alter the audit "
                    "table: use a role of its own."
                )
            cursor.execute("SELECT current_schema()")
            schema = quote(cursor.fetchone()[0])
        who = quote(role)
        statements = [
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLE} FROM {who}",
            f"REVOKE ALL ON {CHAIN_TABLE} FROM {who}",
            f"GRANT SELECT ON {CHAIN_TABLE} TO {who}",
            # Tables the owner creates in later migrations get the same rights.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {who}",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{role} may read and write the application's tables, and only read and append to "
            "the audit log."
        )
