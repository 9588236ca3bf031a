"""New rows of one model inserted together, with less Python per value than `bulk_create`.

`QuerySet.bulk_create` already writes a batch as one `INSERT ... SELECT * FROM UNNEST(...)` on
PostgreSQL, but prepares every value of every row through the field's whole chain (`pre_save`,
`get_db_prep_save`, `get_db_prep_value`, `get_prep_value`, `to_python`), and checks every
related object of every row: for a bulk import of 500 incidents and their 750 audit events
that was most of the request's Python after validation (ADR 0023). `insert_rows` builds the
same statement column by column: a column of plain values (text, whole numbers, booleans,
UUIDs, times with their zone and foreign keys' ids, already of their Python type) goes in as it
is, and every other column (naive times, decimals, JSON, addresses, and any value of an
unexpected type) through the field's own `get_db_prep_save`, as before. The rows, their ids and
their state afterwards are those `bulk_create` gives (`tests/partners/test_db_insert.py`
compares the two).

Generated columns are left to the database and read back with the ids (`RETURNING`), through
the same converters, as `bulk_create` does. Anywhere but PostgreSQL, and for models it does not
handle (database defaults, expressions as values, a primary key already set), it is
`bulk_create`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import connections, models, router

# Fields whose values go into the database as they are when they already have the type named.
_AS_IS: dict[type[models.Field], type | tuple[type, ...]] = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.SmallAutoField: int,
    # PostgreSQL's adapters take these as they are (the backend's adapt_*_value returns them).
    models.UUIDField: uuid.UUID,
}


def insert_rows(objs: Sequence[models.Model]) -> None:
    """Insert new instances of one model in one statement, setting their primary keys and
    marking them saved, as `bulk_create(objs)` does."""
    if not objs:
        return
    model = type(objs[0])
    db = router.db_for_write(model)
    connection = connections[db]
    fields = _insert_fields(model, connection)
    if connection.vendor != "postgresql" or fields is None or any(o.pk is not None for o in objs):
        model._default_manager.bulk_create(objs)
        return
    relations = [field for field in model._meta.concrete_fields if field.is_relation]
    for obj in objs:
        _take_related_ids(obj, relations)
    columns = [_column(field, objs, connection) for field in fields]
    if any(hasattr(value, "as_sql") for column in columns for value in column):
        model._default_manager.bulk_create(objs)
        return
    quote = connection.ops.quote_name
    # The primary key and any generated columns, in the model's order (bulk_create's too).
    returning = model._meta.db_returning_fields
    # Only the model's own table and column names and types go into the statement's text.
    sql = "INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays}) RETURNING {back}".format(  # noqa: S608
        table=quote(model._meta.db_table),
        names=", ".join(quote(field.column) for field in fields),
        arrays=", ".join(
            # Without the type's length, as Django does: varchar[] rather than varchar(50)[].
            "(%s)::{}[]".format(field.db_type(connection).split("(")[0])
            for field in fields
        ),
        back=", ".join(quote(field.column) for field in returning),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        rows = cursor.fetchall()
    readers = [_reader(field, model, connection) for field in returning]
    for obj, row in zip(objs, rows, strict=True):
        for field, read, value in zip(returning, readers, row, strict=True):
            setattr(obj, field.attname, read(value))
        obj._state.adding = False
        obj._state.db = db


def _reader(field: models.Field, model: type[models.Model], connection):
    """What turns a returned value of `field` into the instance's: the backend's and the
    field's converters, as the compiler applies them to the columns an insert returns."""
    column = field.get_col(model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def read(value):
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return read


def _insert_fields(model: type[models.Model], connection) -> list[models.Field] | None:
    """The columns an insert writes (all but an auto primary key and generated columns), or
    None if the model has a kind of column this does not handle."""
    opts = model._meta
    if not isinstance(opts.pk, models.AutoField):  # BigAutoField and SmallAutoField are too
        return None
    fields = []
    for field in opts.concrete_fields:
        if field.has_db_default() or hasattr(field, "get_placeholder"):
            return None
        if field.primary_key or field.generated:
            continue
        target = field.target_field if field.is_relation else field
        if target.get_internal_type() not in connection.data_types:
            return None
        fields.append(field)
    return fields


def _take_related_ids(obj: models.Model, relations: list[models.Field]) -> None:
    """A foreign key (of `relations`, the model's) set to an instance saved after it was
    assigned takes its id now (what `bulk_create` does through
    `_prepare_related_fields_for_save`)."""
    for field in relations:
        if not field.is_cached(obj):
            continue
        related = field.get_cached_value(obj)
        if related is None:
            continue
        if related.pk is None:
            raise ValueError(
                f"insert_rows() prohibited to prevent data loss due to unsaved related object "
                f"'{field.name}'."
            )
        if getattr(obj, field.attname) in field.empty_values:
            setattr(obj, field.name, related)
        elif getattr(related, field.target_field.attname) != getattr(obj, field.attname):
            field.delete_cached_value(obj)


def _column(field: models.Field, objs: Sequence[models.Model], connection) -> list:
    if type(field).pre_save is not models.Field.pre_save:  # auto_now, auto_now_add and the like
        values = [field.pre_save(obj, True) for obj in objs]
    else:
        attname = field.attname
        values = [getattr(obj, attname) for obj in objs]
    target = field.target_field if field.is_relation else field
    plain = _AS_IS.get(type(target))
    if plain is not None and all(value is None or type(value) is plain for value in values):
        return values
    if type(target) is models.DateTimeField and all(
        value is None or (type(value) is dt.datetime and value.tzinfo is not None)
        for value in values
    ):
        return values  # aware times: a naive one goes through the field (its warning)
    return [field.get_db_prep_save(value, connection) for value in values]
