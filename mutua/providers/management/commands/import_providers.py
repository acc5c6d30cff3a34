"""manage.py import_providers FILE.csv: the affiliated providers (format in docs/providers-import.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mutua.providers.services import ProviderFileError, provider_rows_read, providers_import

EXIT_ROW_ERRORS = 1
EXIT_FILE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Importa le strutture convenzionate da un CSV (formato in docs/providers-import.md). "
        "Rieseguire lo stesso file non cambia nulla. Le righe con errori sono elencate e saltate; "
        "esce con 1 se ce ne sono, 2 se il file non è leggibile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="il file CSV da importare")
        parser.add_argument("--encoding", default="utf-8-sig", help="la codifica del file (predefinita: UTF-8)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding=options["encoding"], newline="") as stream:
                rows, errors = provider_rows_read(stream=stream)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Impossibile leggere %(file)s: %(error)s") % {"file": path, "error": exc}, returncode=EXIT_FILE_ERROR
            )
        except ProviderFileError as exc:
            raise CommandError(exc.message, returncode=EXIT_FILE_ERROR)
        report = providers_import(rows=rows, errors=errors)
        self.stdout.write(
            _("Strutture: %(created)d nuove, %(updated)d aggiornate, %(unchanged)d invariate.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        )
        for error in report.errors:
            self.stderr.write(error)
        if not report.ok:
            raise CommandError(
                _("Righe con errori: %(n)d. Correggile e rilancia l'importazione.") % {"n": len(report.errors)},
                returncode=EXIT_ROW_ERRORS,
            )
