"""manage.py import_registry_nightly: the newest registry files in REGISTRY_IMPORT_DIR, each imported once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mutua.registry.nightly import registry_nightly_import


class Command(BaseCommand):
    help = (
        "Importa i file più recenti della cartella REGISTRY_IMPORT_DIR (uno per tipo), ciascuno una sola volta, "
        "e manda un riepilogo ai supervisori."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REGISTRY_IMPORT_DIR:
            self.stdout.write("REGISTRY_IMPORT_DIR non è impostata: nessuna importazione notturna.")
            return
        directory = Path(settings.REGISTRY_IMPORT_DIR)
        if not directory.is_dir():
            raise CommandError(f"REGISTRY_IMPORT_DIR: {directory} non è una cartella.")
        runs = registry_nightly_import(directory=directory)
        for run in runs:
            self.stdout.write(f"{run.file_name}: {run.get_status_display()} ({run.error_count} righe con errori)")
        if not runs:
            self.stdout.write("Nessun file nuovo.")
