"""Test support shared by the apps' test suites: dates by the frozen clock, two requests racing for the same row."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.utils import timezone

A = TypeVar("A")

ROME = ZoneInfo("Europe/Rome")
# A Monday in June: no holiday, far from a year's or a month's end (MUTUA_TEST_NOW tries those).
DEFAULT_NOW = dt.datetime(2026, 6, 15, 10, 30, tzinfo=ROME)


def frozen_now() -> dt.datetime:
    """The instant the tests' clock is frozen at: ``MUTUA_TEST_NOW`` (ISO, Rome time unless an offset is given), or
    ``DEFAULT_NOW``; ``real`` means the moment this is called."""
    value = os.environ.get("MUTUA_TEST_NOW", "").strip()
    if value.lower() == "real":
        return dt.datetime.now(dt.UTC)
    if not value:
        return DEFAULT_NOW
    instant = dt.datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=ROME)


def frozen_year() -> int:
    """The year by the tests' clock, for what is computed when tests are collected (parameters)."""
    return frozen_now().astimezone(ROME).year


def days_ago(days: int) -> dt.date:
    """A date this many days before today, by the test's frozen clock (the root conftest's ``clock``)."""
    return timezone.localdate() - dt.timedelta(days=days)


def typed(day: dt.date) -> str:
    """A date as a member types it into a form: gg/mm/aaaa."""
    return day.strftime("%d/%m/%Y")


# SQLite serialises whole transactions, so only PostgreSQL shows whether a service really locks the row it changes.
needs_row_locks = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL")


@dataclass
class Race(Generic[A]):
    """How a race ended: the arguments whose call went through, with its result, and the refusals."""

    done: list[A] = field(default_factory=list)
    results: list[object] = field(default_factory=list)
    refused: list[Exception] = field(default_factory=list)


def race(
    action: Callable[[A], object],
    contenders: Sequence[A],
    *,
    refusal: type[Exception] | tuple[type[Exception], ...] = (),
) -> Race[A]:
    """Call `action` once per contender, each in its own thread and database connection, released together.

    A `refusal` raised by a call is recorded as the expected outcome of losing; any other exception is raised
    here, after every thread has finished, so a crash fails the test instead of passing for a refusal.
    """
    barrier = threading.Barrier(len(contenders))
    outcome: Race[A] = Race()
    crashes: list[BaseException] = []
    record = threading.Lock()  # keeps `done` and `results` in the same order

    def run(contender: A) -> None:
        try:
            barrier.wait()
            result = action(contender)
            with record:
                outcome.done.append(contender)
                outcome.results.append(result)
        except refusal as exc:
            outcome.refused.append(exc)
        except BaseException as exc:
            crashes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(contender,)) for contender in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if crashes:
        raise crashes[0]
    return outcome
