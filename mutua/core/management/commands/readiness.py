"""`manage.py readiness [CHECK …]`: /readyz's checks run in this process, without HTTP; exit status 1 if one fails.

The workers' healthcheck in compose.yaml: `readiness database tasks` (a worker needs the database, and the task
queue must be moving). Without names, every check of /readyz: database, cache, storage, tasks.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mutua.core.health import readiness, readiness_checks


class Command(BaseCommand):
    help = "Runs /readyz's checks (database, cache, storage, tasks) here; exit status 1 if one fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", choices=sorted(readiness_checks()), metavar="CHECK")

    def handle(self, *args: Any, **options: Any) -> None:
        results = asyncio.run(readiness(options["names"]))
        for name, result in results.items():
            self.stdout.write(f"{name}: {'failing: ' + str(result.error) if result.error else 'ok'}")
        failing = [name for name, result in results.items() if result.error]
        if failing:
            raise CommandError(f"failing: {', '.join(failing)}")
