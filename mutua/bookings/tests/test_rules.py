"""The two-working-day rule around weekends and Italian public holidays.

The rule: docs/domain.md, Public holidays and working days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mutua.bookings.rules import booking_deadline, earliest_appointment, is_working_day, notice_respected

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 4, 3), True),  # Good Friday is not a holiday in Italy
        (D(2026, 4, 6), False),  # Lunedì dell'Angelo
        (D(2027, 3, 29), False),  # Lunedì dell'Angelo 2027
        (D(2026, 4, 25), False),  # Liberazione (a Saturday anyway)
        (D(2028, 4, 25), False),  # Liberazione on a Tuesday
        (D(2026, 6, 2), False),  # Festa della Repubblica, Tuesday
        (D(2026, 8, 14), True),
        (D(2026, 8, 15), False),  # Ferragosto, Saturday
        (D(2029, 8, 15), False),  # Ferragosto on a Wednesday
        (D(2026, 10, 4), False),  # San Francesco, Sunday in 2026
        (D(2027, 10, 4), False),  # San Francesco, Monday in 2027: restored from 2026
        (D(2025, 10, 3), True),
        (D(2026, 12, 7), True),  # Sant'Ambrogio is Milan's, not national
        (D(2026, 12, 8), False),
        (D(2026, 12, 25), False),
        (D(2026, 12, 26), False),
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 11, 30), True),
    ],
)
def test_working_days(day, working):
    assert is_working_day(day) is working


def test_domain_examples():
    assert booking_deadline(D(2026, 4, 7)) == D(2026, 4, 2)  # Pasquetta 6/4 skipped
    assert booking_deadline(D(2027, 10, 6)) == D(2027, 10, 1)  # 4/10/2027 (Mon) is a holiday


def test_weekend_a_monday_appointment_is_due_by_thursday():
    monday = D(2026, 12, 14)
    assert booking_deadline(monday) == D(2026, 12, 10)
    assert notice_respected(requested_on=D(2026, 12, 10), appointment=monday)
    assert not notice_respected(requested_on=D(2026, 12, 11), appointment=monday)


def test_midweek_two_days_ahead():
    assert earliest_appointment(D(2026, 12, 1)) == D(2026, 12, 3)  # Tue → Thu
    assert not notice_respected(requested_on=D(2026, 12, 1), appointment=D(2026, 12, 2))


def test_friday_and_weekend_requests():
    # Friday: Friday and Monday are the two working days, so Tuesday at the earliest.
    assert earliest_appointment(D(2026, 11, 27)) == D(2026, 12, 1)
    # Saturday and Sunday count from Monday: Wednesday at the earliest.
    assert earliest_appointment(D(2026, 11, 28)) == D(2026, 12, 2)
    assert earliest_appointment(D(2026, 11, 29)) == D(2026, 12, 2)


def test_easter_2026():
    # Thursday 2 April: 2 and 3 April (Good Friday works), so Saturday 4 April is allowed.
    assert earliest_appointment(D(2026, 4, 2)) == D(2026, 4, 4)
    # Friday 3 April: Easter Monday is a holiday, so the two days are 3 and 7 April.
    assert earliest_appointment(D(2026, 4, 3)) == D(2026, 4, 8)
    assert not notice_respected(requested_on=D(2026, 4, 3), appointment=D(2026, 4, 7))


def test_easter_2027():
    assert booking_deadline(D(2027, 3, 31)) == D(2027, 3, 26)  # 29/3 Pasquetta, weekend before


def test_christmas():
    # A Monday 28 December 2026 appointment: 25 and 26 are holidays, so Wednesday 23 and Thursday 24 count.
    assert booking_deadline(D(2026, 12, 28)) == D(2026, 12, 23)
    assert earliest_appointment(D(2026, 12, 24)) == D(2026, 12, 29)


def test_liberazione_and_primo_maggio_2028():
    # 25 April 2028 is a Tuesday, 1 May a Monday.
    assert booking_deadline(D(2028, 4, 26)) == D(2028, 4, 21)
    assert booking_deadline(D(2028, 5, 2)) == D(2028, 4, 27)


def test_festa_della_repubblica_2026():
    # Tuesday 2 June is a holiday: a Wednesday 3 June appointment counts Monday 1 and Friday 29 May.
    assert booking_deadline(D(2026, 6, 3)) == D(2026, 5, 29)


def test_ferragosto_2029():
    # Wednesday 15 August 2029: a Friday 17 appointment is due by Tuesday 14.
    assert booking_deadline(D(2029, 8, 17)) == D(2029, 8, 14)


def test_san_francesco_2026_on_a_sunday_changes_nothing():
    assert booking_deadline(D(2026, 10, 6)) == D(2026, 10, 2)


def test_san_francesco_2027_on_a_monday_is_skipped():
    assert booking_deadline(D(2027, 10, 5)) == D(2027, 9, 30)
    assert earliest_appointment(D(2027, 10, 1)) == D(2027, 10, 6)
