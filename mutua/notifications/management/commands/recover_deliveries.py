"""`manage.py recover_deliveries`: take up what a worker that died left (mutua.notifications.outbox, "SIGKILL").

Run every minute by the scheduler (SCHEDULE_RECOVER_DELIVERIES). First every task RUNNING for longer than
TASK_LEASE_SECONDS is made ready again; then every message still queued, overdue by a lease, with no task left to
deliver it, is queued again. Safe to run any time, from several places at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mutua.core.tasks import tasks_recover_stale
from mutua.notifications.outbox import messages_requeue_stale


class Command(BaseCommand):
    help = "Runs again the tasks and queues again the messages left by a worker that died."

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = tasks_recover_stale()
        messages = messages_requeue_stale()
        if options["verbosity"] >= 1 and (tasks or messages):
            self.stdout.write(f"tasks ready again: {tasks}; messages queued again: {messages}")
