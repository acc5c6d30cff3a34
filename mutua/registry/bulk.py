# ruff: noqa: S608 - the SQL names only tables and columns from the models' own metadata; values go by COPY
"""Set-based inserts and updates of a chunk of rows. On PostgreSQL the rows are sent with COPY into a temporary
staging table, then moved by one `INSERT … SELECT` (returning the new ids when asked) or one `UPDATE … FROM`: no
SQL text grows with the chunk and no value is quoted in Python. Elsewhere (SQLite) Django's bulk operations in
batches do the same work."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection
from django.db.models import AutoField, BigAutoField, BooleanField, Field, Model, Q
from django.db.models.expressions import DatabaseDefault, RawSQL, Value
from django.db.models.fields.files import FieldFile
from django.utils import timezone

M = TypeVar("M", bound=Model)
BATCH = 1000
PLAIN = frozenset({str, int, bool, Decimal, dt.date, dt.datetime})  # sent as they are


def _fields(model: type[Model], names: Sequence[str] | None = None) -> list[Field[Any, Any]]:
    if names is not None:
        return [model._meta.get_field(name) for name in names]  # type: ignore[misc]
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, AutoField | BigAutoField))
    ]


def among(model: type[Model], name: str, values: Iterable[Any]) -> Q | RawSQL:
    """A filter `name IN (values)` for a chunk's codes or ids. On PostgreSQL it is `= ANY(%s)` with one array
    parameter: the query text does not grow with the chunk, and psycopg does not re-parse thousands of
    placeholders at every query (it caches only short queries)."""
    values = list(values)
    if connection.vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    sql = f'"{model._meta.db_table}"."{column}" = ANY(%s)'  # names from the model's metadata
    return RawSQL(sql, [values], output_field=BooleanField())  # noqa: S611


def _getter(field: Field[Any, Any], *, adding: bool) -> Callable[[Model], Any]:
    """How to read the field's value to send from an object, decided once per field rather than once per row."""
    if getattr(field, "auto_now", False) or (adding and getattr(field, "auto_now_add", False)):
        return lambda obj: field.pre_save(obj, add=adding)
    attname = field.attname
    default = field.db_default
    stored = default.value if isinstance(default, Value) else default

    def value(obj: Model) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) in PLAIN:
            return value
        if isinstance(value, DatabaseDefault):  # a field with db_default the object did not set: that default
            return stored
        if hasattr(value, "as_e164"):  # a phone number
            return value.as_e164
        if isinstance(value, FieldFile):
            return value.name or ""
        return value

    return value


def _stage(cursor: Any, model: type[Model], columns: list[str], *, with_id: bool) -> str:
    """An empty temporary table with the target's column types, dropped at the end of the transaction.

    One table per target and set of columns for the whole transaction, emptied for each chunk: a table created and
    dropped per chunk keeps its lock until the transaction ends, and an entity's import is one transaction, so a file
    of a million contributions took thousands of locks and filled PostgreSQL's shared lock table (`out of shared
    memory`, for every session of the server).
    """
    table = model._meta.db_table
    selected = ", ".join((["id"] if with_id else []) + [f'"{c}"' for c in columns])
    digest = hashlib.blake2s(selected.encode(), digest_size=4).hexdigest()
    stage = f"registry_stage_{table}"[:50] + f"_{digest}"
    cursor.execute(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{stage}" ON COMMIT DROP '
        f'AS SELECT {selected} FROM "{table}" WITH NO DATA'
    )
    cursor.execute(f'TRUNCATE "{stage}"')
    return stage


def insert(model: type[M], objects: Sequence[M], *, key: Sequence[str] = ()) -> None:
    """Insert new rows; with `key` (a unique set of columns) each object gets the id the database gave it."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return
    fields = _fields(model)
    getters = [_getter(field, adding=True) for field in fields]
    values = ([get(obj) for get in getters] for obj in objects)
    ids = _copy_and_insert(model, [str(field.column) for field in fields], values, key=key)
    if key:
        key_fields = _fields(model, key)
        for obj in objects:
            obj.pk = ids[tuple(getattr(obj, f.attname) for f in key_fields)]


def _copy_and_insert(
    model: type[Model], columns: list[str], values: Iterable[list[Any]], *, key: Sequence[str]
) -> dict[tuple[Any, ...], int]:
    """COPY `values` (one list per row, in the order of `columns`) into the staging table, then one
    `INSERT … SELECT` into the model's table; with `key`, the new ids by the key's values."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        stage = _stage(cursor, model, columns, with_id=False)
        with cursor.copy(f'COPY "{stage}" ({quoted}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)
        returning = ""
        if key:
            returning = " RETURNING id, " + ", ".join(f'"{f.column}"' for f in _fields(model, key))
        table = model._meta.db_table
        cursor.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{stage}"{returning}')
        return {tuple(found[1:]): found[0] for found in cursor.fetchall()} if key else {}


def _filler(field: Field[Any, Any], now: dt.datetime) -> tuple[bool, Any]:
    """What a new row that does not name the field gets: (True, a function called per row) or (False, a value)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False, now
    if field.has_default() and callable(field.default):
        return True, field.default
    value = field.get_default()
    if isinstance(value, DatabaseDefault):
        default = field.db_default
        return False, default.value if isinstance(default, Value) else default
    return False, value


def _call_per_row(function: Callable[[], Any]) -> Callable[[dict[str, Any]], Any]:
    return lambda row: function()


def _constant(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda row: value


def insert_values(model: type[Model], rows: Sequence[dict[str, Any]], *, key: Sequence[str] = ()) -> list[int]:
    """Insert new rows given as {attname: value} (a model instance per row costs more than the row's own
    checks), the fields they do not name getting their defaults as Django would give them; returns the new ids
    in the rows' order when `key` (a unique set of columns) is given."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return [int(obj.pk) for obj in objects] if key else []
    fields = _fields(model)
    now = timezone.now()
    given = set(rows[0])  # every row names the same fields
    readers: list[Callable[[dict[str, Any]], Any]] = []
    for field in fields:
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if field.attname in given and not auto:
            readers.append(operator.itemgetter(field.attname))
            continue
        per_row, filler = _filler(field, now)
        readers.append(_call_per_row(filler) if per_row else _constant(filler))
    values = ([read(row) for read in readers] for row in rows)
    found = _copy_and_insert(model, [str(field.column) for field in fields], values, key=key)
    if not key:
        return []
    key_fields = _fields(model, key)
    return [found[tuple(row[f.attname] for f in key_fields)] for row in rows]


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
        getters = [_getter(field, adding=False) for field in fields]
        with cursor.copy(f'COPY "{stage}" (id, {quoted}) FROM STDIN') as copy:
            for obj in objects:
                copy.write_row([obj.pk, *(get(obj) for get in getters)])
        assignments = ", ".join(f'"{c}" = s."{c}"' for c in columns)
        table = model._meta.db_table
        cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM "{stage}" s WHERE t.id = s.id')
