"""Index types only PostgreSQL has, declared in the models so that migrations create them, and
skipped on other databases (the embedded SQLite of `make run`), where the code that would use
them falls back to plain Python."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex


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
