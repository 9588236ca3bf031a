"""Text search served by PostgreSQL's trigram indexes (pg_trgm), declared in the models so that
migrations create them, and harmless elsewhere (the embedded SQLite of `make run`), where the
same lookups run unindexed or the code falls back to plain Python.

- `PostgresGinIndex`: a GIN index on PostgreSQL, nothing on any other database;
- the `ilike` lookup: `icontains` written as `ILIKE`, which a `gin_trgm_ops` index serves
  (Django writes `icontains` as `UPPER(column) LIKE UPPER(...)`, which no index on the column
  serves); `icontains` itself on other databases;
- the `trigram_similar` lookup (pg_trgm's `%`), as django.contrib.postgres would register it;
- the `in_ids` lookup: `__in` for many integer ids, sent to PostgreSQL as one array.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.lookups import TrigramSimilar
from django.db.models import CharField, ForeignKey, IntegerField, Lookup, TextField
from django.db.models.lookups import IContains, In


class PostgresGinIndex(GinIndex):
    """A GIN index on PostgreSQL (with an operator class such as `gin_trgm_ops` through
    `OpClass`); on any other database a statement that does nothing."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return "SELECT 1"
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return "SELECT 1"
        return super().remove_sql(model, schema_editor, **kwargs)

    def check_supported(self, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            super().check_supported(schema_editor)


class ContainsIgnoringCase(IContains):
    lookup_name = "ilike"

    def as_postgresql(self, compiler, connection):
        lhs_sql, params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} ILIKE {rhs_sql}", [*params, *rhs_params]


class InIds(Lookup):
    """`field__in_ids=ids`: the integer field (or foreign key) is one of these ids. On
    PostgreSQL the ids are one array parameter, `= ANY('{...}'::bigint[])`: Django's `__in`
    prepares every value and sends each as a parameter of its own, which for the 30,000 cases
    a common surname names cost about a second of Python a statement, and PostgreSQL as long
    again to plan the 30,000 constants. `__in` itself on other databases."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        return sorted({int(value) for value in self.rhs})

    def as_sql(self, compiler, connection):
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs_sql, params = self.process_lhs(compiler, connection)
        ids = "{" + ",".join(map(str, self.rhs)) + "}"
        return f"{lhs_sql} = ANY(%s::bigint[])", [*params, ids]


def register_lookups() -> None:
    for field in (CharField, TextField):
        field.register_lookup(ContainsIgnoringCase)
        field.register_lookup(TrigramSimilar)
    for field in (IntegerField, ForeignKey):
        field.register_lookup(InIds)
