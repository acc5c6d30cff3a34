"""What every part of the demo builder shares: one Random drawn in a fixed order, the demo's dates, the
values already taken, and the rows the first parts write for the others."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from mutua.accounts.models import User
from mutua.core.provinces import provinces
from mutua.demo.catalogue import NAMED_USERNAMES
from mutua.members.models import RegionalOffice
from mutua.plans.models import Plan
from mutua.providers.models import Category

ROME = ZoneInfo("Europe/Rome")
CENT = Decimal("0.01")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _BuilderBase:
    """The state the builder's parts share. Each part draws from `rng`: the order of their calls
    (`_Builder.build`) decides every value."""

    # Written by the network's part, read by the others.
    categories: dict[str, Category]
    offices: dict[str, RegionalOffice]
    plans: dict[str, Plan]
    operator: User
    supervisor: User

    def __init__(self, *, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.yesterday = today - dt.timedelta(days=1)
        self.first_year = today.year - 2
        self.history_start = dt.date(self.first_year, 1, 10)
        self.provinces = provinces()
        self.used_codes: set[str] = set(NAMED_USERNAMES)
        self.used_fiscal_codes: set[str] = set()
        self.used_emails: dict[str, int] = {}
        # Each province's providers (name, category slugs): drawn by the network, found by the claims' documents.
        self.providers: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    def _random_date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def _at(self, day: dt.date, *, after: dt.datetime | None = None) -> dt.datetime:
        """A moment in office hours on `day` (never after yesterday), later than `after`."""
        day = min(day, self.yesterday)
        moment = dt.datetime.combine(day, dt.time(self.rng.randint(8, 18), self.rng.randint(0, 59)), tzinfo=ROME)
        if after is not None and moment <= after:
            moment = after + dt.timedelta(minutes=self.rng.randint(5, 90))
        return moment
