"""Database helpers shared by the apps."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

from django.db import connection, connections, router
from django.db.models import DateTimeField, Field, ForeignKey, JSONField, Model


def rows_update(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Save `fields` of many instances of one model in one UPDATE, like
    `bulk_update`. On PostgreSQL the values travel as arrays (`UPDATE ... FROM
    unnest(...)`, a field with one value for all rows as a plain SET): Django's
    bulk_update builds a CASE WHEN per row and field, which for a batch of posts cost
    more CPU than posting them."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None

    def column(field: Field[Any, Any]) -> str:
        return connection.ops.quote_name(field.column or field.attname)

    sets: list[str] = []
    set_params: list[Any] = []
    varying: list[Field[Any, Any]] = [pk]
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field)
        if len({repr(getattr(obj, field.attname)) for obj in objs}) == 1:
            sets.append(f"{column(field)} = %s")
            set_params.append(field.get_db_prep_save(getattr(objs[0], field.attname), connection))
        else:
            sets.append(f"{column(field)} = v.{column(field)}")
            varying.append(field)
    # Identifiers from the model's meta, quoted; every value is a parameter.
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in varying)
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} AS t SET {', '.join(sets)} "  # noqa: S608
        f"FROM unnest({arrays}) AS v({', '.join(column(f) for f in varying)}) "
        f"WHERE t.{column(pk)} = v.{column(pk)}"
    )
    arrays_params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs]
        for field in varying
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*set_params, *arrays_params])


def ids_reserve(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys of `model` from its sequence, in ascending order
    (PostgreSQL): rows that will be written with COPY, or that must know each other's
    ids before they are inserted (a followup and its parent in one batch)."""
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    assert meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _methods(field: Field[Any, Any]) -> tuple[str, ...]:
    cls = type(field)
    names = ("get_prep_value", "get_db_prep_value", "get_db_prep_save", "pre_save")
    return tuple(getattr(cls, name).__qualname__ for name in names)


#: Fields whose Python value psycopg adapts exactly as Django would prepare it: text,
#: integers and booleans whose classes change nothing of Django's preparation.
_PLAIN = {
    ("CharField.get_prep_value", "Field.get_db_prep_value", "Field.get_db_prep_save"),
    ("TextField.get_prep_value", "Field.get_db_prep_value", "Field.get_db_prep_save"),
    ("BooleanField.get_prep_value", "Field.get_db_prep_value", "Field.get_db_prep_save"),
    ("IntegerField.get_prep_value", "IntegerField.get_db_prep_value", "Field.get_db_prep_save"),
    (
        "IntegerField.get_prep_value",
        "AutoFieldMixin.get_db_prep_value",
        "AutoFieldMixin.get_db_prep_save",
    ),
}


def _copy_converter(field: Field[Any, Any], connection: Any) -> Any:
    """How one field's attribute becomes a COPY value: "pre_save" (auto_now and
    auto_now_add, as save() sets them), None (the value as it is: psycopg adapts it
    as Django's preparation would) or a function. A field this does not know goes
    through its own get_db_prep_save, like an INSERT."""
    methods = _methods(field)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "pre_save"
    if type(field) is DateTimeField:
        # Aware datetimes as they are; a naive one as Django would (with a warning).
        return lambda value: (
            value
            if value is None or value.tzinfo is not None
            else field.get_db_prep_save(value, connection)
        )
    if methods[-1] != "Field.pre_save":
        return lambda value: field.get_db_prep_save(value, connection)
    if methods[:3] in _PLAIN:
        if field.choices:
            # A TextChoices member is a str whose psycopg adapter may be the enum's.
            return lambda value: value.value if isinstance(value, Enum) else value
        return None
    if isinstance(field, ForeignKey) and _methods(field.target_field)[:3] in _PLAIN:
        return None  # the related id
    if type(field) is JSONField:
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    return lambda value: field.get_db_prep_save(value, connection)


def rows_copy(objs: Sequence[Model]) -> None:
    """Insert new instances of one model whose primary keys are already set
    (`ids_reserve`) with COPY: what bulk_create writes, at a fraction of its CPU
    (Django prepares every value of every row; ingest writes about 40 columns a case).
    Defaults and auto_now(_add) are applied as save() would; generated columns are left
    to the database. No signals, no conflict handling: the caller knows the rows are
    new. Elsewhere than PostgreSQL, bulk_create."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    assert all(obj.pk is not None for obj in objs), "rows_copy needs the ids (ids_reserve)"
    fields = [f for f in meta.concrete_fields if not f.generated]
    plan = [(f, f.attname, _copy_converter(f, connection)) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = []
                for field, attname, convert in plan:
                    if convert is None:
                        row.append(getattr(obj, attname))
                    elif convert == "pre_save":
                        row.append(field.pre_save(obj, add=True))
                    else:
                        row.append(convert(getattr(obj, attname)))
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


# --- SQL written out, on PostgreSQL and on SQLite (make run's database) -----------------


def sql_in(column: str, count: int) -> str:
    """`column` among `count` values. On PostgreSQL one array parameter: psycopg
    caches the parsing of a statement only up to 50 parameters, and re-parsing one with
    a page's worth of them cost more than running it. Elsewhere an IN list. The values
    go in with sql_in_params."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(['%s'] * count)})"


def sql_in_params(values: Sequence[Any]) -> list[Any]:
    return [list(values)] if connection.vendor == "postgresql" else list(values)


def datetime_param(value: dt.datetime) -> Any:
    """A datetime as a parameter of SQL written out (SQLite stores text in UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def datetime_read(value: Any) -> Any:
    """A datetime column's value as read with a raw cursor: PostgreSQL hands back an
    aware datetime, SQLite a naive one in UTC (or, out of a UNION, the UTC text Django
    stored)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
