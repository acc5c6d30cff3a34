"""Test support shared by the apps' test suites: two requests racing for the same row, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pytest
from django.db import connection, connections

A = TypeVar("A")

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
