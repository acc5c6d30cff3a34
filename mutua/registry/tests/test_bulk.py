"""mutua.registry.bulk on PostgreSQL: the staging tables of one transaction do not grow with the file."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from mutua.members.models import RegionalOffice
from mutua.registry import bulk

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY and temporary tables: PostgreSQL only"),
]


def locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()")
        return int(cursor.fetchone()[0])


def office(n: int) -> dict[str, str]:
    return {"code": f"S{n}", "name": f"Sede {n}", "region": "Lombardia", "address": "Via Roma 1", "phone": "02 1"}


def test_many_chunks_in_one_transaction_hold_a_bounded_number_of_locks() -> None:
    """An entity's import is one transaction of many chunks: a million contributions are 1 500 chunks. A staging
    table per chunk kept a lock each until the end and filled the server's shared lock table ("out of shared
    memory" for every session); one table reused keeps the count flat."""
    with transaction.atomic():
        bulk.insert_values(RegionalOffice, [office(0)])
        first = RegionalOffice.objects.get(code="S0")
        first.name = "Sede zero"
        bulk.update(RegionalOffice, [first], {"name"})
        after_one = locks_held()
        for n in range(1, 200):
            bulk.insert_values(RegionalOffice, [office(n)])
            added = RegionalOffice.objects.get(code=f"S{n}")
            added.name = f"Sede n. {n}"
            bulk.update(RegionalOffice, [added], {"name"})
        assert locks_held() <= after_one + 2
    names = dict(RegionalOffice.objects.filter(code__startswith="S").values_list("code", "name"))
    assert len(names) == 200 and names["S0"] == "Sede zero" and names["S199"] == "Sede n. 199"


def test_the_keys_already_read_are_looked_up_by_index_however_many() -> None:
    """Repeated rows are found through a temporary table of the keys read so far. Without statistics PostgreSQL read
    every key of the kind for each chunk's lookup (a million-member import slowed down with every chunk); analyzed as
    it grows, each lookup is an index scan on the key."""
    from mutua.registry import services

    with transaction.atomic():
        services._seen_create()
        with connection.cursor() as cursor:
            for start in range(0, 600_000, 20_000):
                services._seen_mark(cursor, "contributions:", {f"C{n}": n for n in range(start, start + 20_000)})
            cursor.execute(
                f"EXPLAIN SELECT key, line FROM {services.SEEN_TABLE} WHERE kind = %s AND key = ANY(%s)",  # noqa: S608
                ["contributions:", [f"C{n}" for n in range(300_000, 302_000)]],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
            repeated = services._seen_mark(cursor, "contributions:", {"C5": 900_000, "C600000": 900_001})
        services._seen_drop()
    assert repeated == {"C5": 5}  # the key read before, with its line; the new one remembered
    assert "Index Cond" in plan and "key" in plan.split("Index Cond", 1)[1].splitlines()[0], plan
