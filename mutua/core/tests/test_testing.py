"""The race helper the PostgreSQL lock tests rely on: a crash must fail the test, not pass for a refusal."""

from __future__ import annotations

import threading

import pytest

from mutua.core.testing import race


class Refused(Exception):
    pass


def test_every_contender_runs_at_once_and_refusals_are_recorded():
    inside = threading.Barrier(3, timeout=5)  # reached only if all contenders are inside `action` together

    def action(n: int) -> int:
        inside.wait()
        if n % 2:
            raise Refused(n)
        return n * 10

    outcome = race(action, [2, 3, 4], refusal=Refused)
    assert sorted(outcome.done) == [2, 4]
    assert sorted(outcome.results) == [20, 40]
    assert [exc.args for exc in outcome.refused] == [(3,)]


def test_an_unexpected_error_in_a_contender_is_raised_after_all_have_finished():
    finished: list[int] = []

    def action(n: int) -> None:
        if n == 0:
            raise ZeroDivisionError("boom")
        finished.append(n)

    with pytest.raises(ZeroDivisionError, match="boom"):
        race(action, [0, 1], refusal=Refused)
    assert finished == [1]
