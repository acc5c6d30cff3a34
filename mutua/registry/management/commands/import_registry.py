"""manage.py import_registry FILE: members and beneficiaries from the mutual's core registry (CSV or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from mutua.registry.files import RegistryFileError, registry_read
from mutua.registry.services import ImportReport, RecordCounts, registry_import

EXIT_ROW_ERRORS = 1
EXIT_FILE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Importa soci e familiari dal registro della mutua (CSV o JSON, formato in docs/registry-import.md). "
        "Rieseguire lo stesso file non cambia nulla. "
        "Esce con 1 se qualche riga ha errori, 2 se il file non è leggibile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="il file da importare (.csv o .json)")
        parser.add_argument("--format", choices=["csv", "json"], help="il formato, se l'estensione non lo dice")
        parser.add_argument("--encoding", default="utf-8-sig", help="la codifica del file (predefinita: UTF-8)")
        parser.add_argument(
            "--dry-run", action="store_true", help="controlla e conta tutto, poi annulla: nessuna modifica salvata"
        )
        parser.add_argument(
            "--allow-errors",
            action="store_true",
            help="esce con 0 anche se qualche riga ha errori (le altre sono importate)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            rows = registry_read(path=path, file_format=options["format"], encoding=options["encoding"])
        except RegistryFileError as exc:
            raise CommandError(exc.message, returncode=EXIT_FILE_ERROR)
        report = registry_import(rows=rows, source=path.name, dry_run=options["dry_run"])
        self._print(report)
        if not report.ok and not options["allow_errors"]:
            raise CommandError(
                _("Righe con errori: %(n)d. Correggile e rilancia l'importazione.") % {"n": len(report.errors)},
                returncode=EXIT_ROW_ERRORS,
            )

    def _print(self, report: ImportReport) -> None:
        title = _("Importazione del registro da %(source)s") % {"source": report.source}
        if report.dry_run:
            title += " " + _("(simulazione: nessuna modifica salvata)")
        self.stdout.write(title)
        self.stdout.write(_("Soci: %(counts)s") % {"counts": _counts(report.members)})
        self.stdout.write(_("Familiari: %(counts)s") % {"counts": _counts(report.beneficiaries)})
        if report.notes:
            self.stdout.write(_("Note (%(n)d):") % {"n": len(report.notes)})
            for note in report.notes:
                self.stdout.write(f"  {note}")
        if report.errors:
            self.stdout.write(
                self.style.ERROR(_("Righe con errori, non importate (%(n)d):") % {"n": len(report.errors)})
            )
            for error in report.errors:
                self.stdout.write(f"  {error}")
        else:
            self.stdout.write(self.style.SUCCESS(_("Nessun errore.")))


def _counts(counts: RecordCounts) -> str:
    return _("creati %(created)d, aggiornati %(updated)d, invariati %(unchanged)d") % counts.as_dict()
