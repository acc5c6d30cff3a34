from typing import Any

from django.core.management.base import BaseCommand

from mutua.privacy.services import data_exports_purge


class Command(BaseCommand):
    help = "Delete the files of the members' data copies past their 7 days (run daily by the scheduler)."

    def handle(self, *args: Any, **options: Any) -> None:
        purged = data_exports_purge()
        if options["verbosity"]:
            self.stdout.write(f"{purged} copie scadute cancellate")
