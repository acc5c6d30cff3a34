"""Italian formats for what members read: amounts as € 1.234,56, dates as gg/mm/aaaa, times as gg/mm/aaaa hh:mm."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal


def format_eur(amount: Decimal | int | None) -> str:
    if amount is None:
        return ""
    q = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    units, cents = f"{abs(q):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}€ {'.'.join(groups)},{cents}"


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_datetime(value: datetime | None) -> str:
    """gg/mm/aaaa hh:mm of a date and time as it is given (the caller converts it to Rome's time)."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""
