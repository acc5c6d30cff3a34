"""The direct-form notice rule: an appointment is communicated at least two working days before it.

Working days are Monday to Friday except Italian national public holidays, from `holidays.Italy(language="it_IT")`
(Easter Monday; 4 October again from 2026). As docs/domain.md, Public holidays and working days, says: the deadline
is the appointment date minus two working days, the appointment day itself not counted; a request made on day R is
on time if R is not after it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

NOTICE_WORKING_DAYS = 2


@lru_cache(maxsize=32)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("IT", years=year, language="it_IT")


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def booking_deadline(appointment: dt.date, notice: int = NOTICE_WORKING_DAYS) -> dt.date:
    """The last day on which an appointment on `appointment` can be communicated."""
    day, left = appointment, notice
    while left:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def notice_respected(*, requested_on: dt.date, appointment: dt.date, notice: int = NOTICE_WORKING_DAYS) -> bool:
    return requested_on <= booking_deadline(appointment, notice)


def earliest_appointment(requested_on: dt.date, notice: int = NOTICE_WORKING_DAYS) -> dt.date:
    """The first appointment date that a request made on `requested_on` is in time for."""
    day = requested_on + dt.timedelta(days=1)
    while not notice_respected(requested_on=requested_on, appointment=day, notice=notice):
        day += dt.timedelta(days=1)
    return day
