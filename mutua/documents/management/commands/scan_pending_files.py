"""`manage.py scan_pending_files`: queue again the malware scan of every uploaded file still waiting for it.

For after clamd was down longer than the task's retries (SCAN_MAX_ATTEMPTS). With --not-scanned, also the files stored
while scanning was off or before it existed (`not_scanned`): run it once after setting CLAMD_URL. Safe to run any time:
a file scanned meanwhile is left alone by its task.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mutua.documents.scanning import pending_files_requeue


class Command(BaseCommand):
    help = "Queues again the malware scan of every uploaded file still pending."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--not-scanned", action="store_true", help="Also scan the files stored while scanning was off."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = pending_files_requeue(include_not_scanned=options["not_scanned"])
        if options["verbosity"] >= 1:
            self.stdout.write(f"files queued for the malware scan: {count}")
