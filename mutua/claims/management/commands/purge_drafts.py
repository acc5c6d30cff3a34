"""Delete drafts abandoned for DRAFT_RETENTION_DAYS, with their files. Run it daily (cron or a scheduler)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from mutua.claims.services import drafts_purge


class Command(BaseCommand):
    help = "Delete claim drafts untouched for DRAFT_RETENTION_DAYS days (default 180), with their files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        days = days if days is not None else settings.DRAFT_RETENTION_DAYS
        count = drafts_purge(older_than=dt.timedelta(days=days))
        self.stdout.write(f"Bozze eliminate: {count} (non modificate da più di {days} giorni).")
