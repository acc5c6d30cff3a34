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
