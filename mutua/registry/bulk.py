# ruff: noqa: S608 - the SQL names only tables and columns from the models' own metadata; values go by COPY
"""Set-based inserts and updates of a chunk of rows. On PostgreSQL the rows are sent with COPY into a temporary
staging table, then moved by one `INSERT … SELECT` (returning the new ids when asked) or one `UPDATE … FROM`: no
SQL text grows with the chunk and no value is quoted in Python. Elsewhere (SQLite) Django's bulk operations in
batches do the same work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import AutoField, BigAutoField, Field, Model
from django.db.models.expressions import DatabaseDefault, Value
from django.db.models.fields.files import FieldFile

M = TypeVar("M", bound=Model)
BATCH = 1000


def _fields(model: type[Model], names: Sequence[str] | None = None) -> list[Field[Any, Any]]:
    if names is not None:
        return [model._meta.get_field(name) for name in names]  # type: ignore[misc]
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, AutoField | BigAutoField))
    ]


def _value(obj: Model, field: Field[Any, Any], *, adding: bool) -> Any:
    if getattr(field, "auto_now", False) or (adding and getattr(field, "auto_now_add", False)):
        return field.pre_save(obj, add=adding)
    value = getattr(obj, field.attname)
    if isinstance(value, DatabaseDefault):  # a field with db_default the object did not set: that default
        default = field.db_default
        return default.value if isinstance(default, Value) else default
    if hasattr(value, "as_e164"):  # a phone number
        return value.as_e164
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _stage(cursor: Any, model: type[Model], columns: list[str], *, with_id: bool) -> str:
    """An empty temporary table with the target's column types, dropped at the end of the transaction."""
    table = model._meta.db_table
    stage = f"registry_stage_{table}"
    selected = ", ".join((["id"] if with_id else []) + [f'"{c}"' for c in columns])
    cursor.execute(f'DROP TABLE IF EXISTS "{stage}"')
    cursor.execute(f'CREATE TEMPORARY TABLE "{stage}" ON COMMIT DROP AS SELECT {selected} FROM "{table}" WITH NO DATA')
    return stage


def insert(model: type[M], objects: Sequence[M], *, key: Sequence[str] = ()) -> None:
    """Insert new rows; with `key` (a unique set of columns) each object gets the id the database gave it."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return
    fields = _fields(model)
    columns = [str(field.column) for field in fields]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        stage = _stage(cursor, model, columns, with_id=False)
        with cursor.copy(f'COPY "{stage}" ({quoted}) FROM STDIN') as copy:
            for obj in objects:
                copy.write_row([_value(obj, field, adding=True) for field in fields])
        table = model._meta.db_table
        returning = ""
        if key:
            key_fields = _fields(model, key)
            returning = " RETURNING id, " + ", ".join(f'"{f.column}"' for f in key_fields)
        cursor.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{stage}"{returning}')
        if key:
            ids = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
            for obj in objects:
                obj.pk = ids[tuple(getattr(obj, f.attname) for f in key_fields)]
        cursor.execute(f'DROP TABLE "{stage}"')


def update(model: type[M], objects: Sequence[M], names: set[str]) -> None:
    """Write the fields `names` of rows that exist (each object has its id)."""
    if not objects or not names:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, sorted(names), batch_size=BATCH)
        return
    fields = _fields(model, sorted(names))
    columns = [str(field.column) for field in fields]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        stage = _stage(cursor, model, columns, with_id=True)
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{stage}" (id, {quoted}) FROM STDIN') as copy:
            for obj in objects:
                copy.write_row([obj.pk, *(_value(obj, field, adding=False) for field in fields)])
        assignments = ", ".join(f'"{c}" = s."{c}"' for c in columns)
        table = model._meta.db_table
        cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM "{stage}" s WHERE t.id = s.id')
        cursor.execute(f'DROP TABLE "{stage}"')
