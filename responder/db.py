"""Database helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


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
