"""Remind members of the documents a suspended claim waits for, SUSPENSION_REMINDER_DAYS before the deadline.

Run it daily (cron or a scheduler); running it twice reminds nobody twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from mutua.claims.services import suspension_reminders_send


class Command(BaseCommand):
    help = "Queue a reminder (portal, e-mail, SMS) for suspended claims whose deadline is near; once per suspension."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        days = days if days is not None else settings.SUSPENSION_REMINDER_DAYS
        count = suspension_reminders_send(days_before=days)
        self.stdout.write(f"Promemoria inviati: {count} (termine entro {days} giorni).")
