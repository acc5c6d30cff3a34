"""manage.py import_registry FILE [FILE ...]: the mutual's core registry (CSV or JSON, docs/registry-import.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from mutua.registry.files import RegistryFileError
from mutua.registry.services import ENTITIES, ENTITY_LABELS, ImportReport, Source, registry_import, registry_open

EXIT_ROW_ERRORS = 1
EXIT_FILE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Importa dal registro della mutua sedi, forme di assistenza, soci, familiari, adesioni e contributi "
        "(CSV o JSON, formato in docs/registry-import.md). Rieseguire gli stessi file non cambia nulla. "
        "Esce con 1 se qualche riga ha errori, 2 se un file non è leggibile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", type=Path, nargs="+", help="i file da importare (.csv o .json)")
        parser.add_argument(
            "--entity",
            choices=ENTITIES,
            help="cosa contiene il file, se il nome non inizia con sedi, forme, soci, familiari, adesioni, contributi",
        )
        parser.add_argument("--format", choices=["csv", "json"], help="il formato, se l'estensione non lo dice")
        parser.add_argument("--encoding", default="utf-8-sig", help="la codifica dei file (predefinita: UTF-8)")
        parser.add_argument(
            "--dry-run", action="store_true", help="controlla e conta tutto, poi annulla: nessuna modifica salvata"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="il file dei soci è l'elenco completo: i soci che non vi compaiono sono segnalati (mai cancellati)",
        )
        parser.add_argument("--errors", type=Path, help="dove scrivere il file degli errori (CSV)")
        parser.add_argument("--no-progress", action="store_true", help="senza barra di avanzamento")
        parser.add_argument(
            "--allow-errors",
            action="store_true",
            help="esce con 0 anche se qualche riga ha errori (le altre sono importate)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["files"]
        if options["entity"] and len(paths) > 1:
            raise CommandError(_("--entity vale per un solo file."), returncode=EXIT_FILE_ERROR)
        sources: list[Source] = []
        for path in paths:
            try:
                sources.append(
                    registry_open(
                        path=path, entity=options["entity"], file_format=options["format"], encoding=options["encoding"]
                    )
                )
            except RegistryFileError as exc:
                raise CommandError(f"{path.name}: {exc.message}", returncode=EXIT_FILE_ERROR)
        bar = _ProgressBar(enabled=not options["no_progress"])
        try:
            report = registry_import(
                sources=sources,
                dry_run=options["dry_run"],
                full=options["full"],
                progress=bar.update,
                error_path=options["errors"],
            )
        finally:
            bar.close()
        self._print(report)
        if report.file_errors:
            raise CommandError(" ".join(report.file_errors), returncode=EXIT_FILE_ERROR)
        if not report.ok and not options["allow_errors"]:
            raise CommandError(
                _("Righe con errori: %(n)d. Correggile e rilancia l'importazione.") % {"n": report.error_count},
                returncode=EXIT_ROW_ERRORS,
            )

    def _print(self, report: ImportReport) -> None:
        title = _("Importazione del registro da %(sources)s") % {"sources": ", ".join(report.sources)}
        if report.dry_run:
            title += " " + _("(simulazione: nessuna modifica salvata)")
        self.stdout.write(title)
        for entity, counts in report.counts.items():
            if not counts.rows and not counts.missing:
                continue
            line = _(
                "%(entity)s: nuovi %(new)d, modificati %(changed)d, invariati %(unchanged)d, non validi %(invalid)d"
            ) % {
                "entity": ENTITY_LABELS[entity],
                **counts.as_dict(),
            }
            if counts.missing:
                line += _(", assenti dal registro (segnalati) %(n)d") % {"n": counts.missing}
            self.stdout.write(line)
        self.stdout.write(
            _("Righe: %(rows)d in %(seconds).1f s (%(speed).0f righe/s).")
            % {"rows": report.rows, "seconds": report.seconds, "speed": report.rows_per_second}
        )
        if report.notes:
            self.stdout.write(_("Note (%(n)d):") % {"n": report.note_count})
            for note in report.notes:
                self.stdout.write(f"  {note.source} {note}")
        if report.error_count:
            self.stdout.write(
                self.style.ERROR(_("Righe con errori, non importate (%(n)d):") % {"n": report.error_count})
            )
            for error in report.errors:
                self.stdout.write(f"  {error.source} {error}")
            if report.error_count > len(report.errors):
                self.stdout.write(_("  … e altre %(n)d.") % {"n": report.error_count - len(report.errors)})
        elif not report.file_errors:
            self.stdout.write(self.style.SUCCESS(_("Nessun errore.")))
        if report.error_path:
            self.stdout.write(_("File degli errori: %(path)s") % {"path": report.error_path})


class _ProgressBar:
    """One bar per file on standard error: bytes read give the time left, rows read give rows per second."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: tqdm[Any] | None = None
        self.label = ""

    def update(self, entity: str, rows: int, position: int, size: int) -> None:
        if not self.enabled:
            return
        if self.bar is None or self.label != entity or position < self.bar.n:
            self.close()
            self.label = entity
            self.bar = tqdm(
                total=size, desc=entity, unit="B", unit_scale=True, file=sys.stderr, dynamic_ncols=True, leave=True
            )
        self.bar.update(position - self.bar.n)
        elapsed = self.bar.format_dict["elapsed"] or 1e-9
        self.bar.set_postfix_str(_("%(rows)d righe, %(speed).0f righe/s") % {"rows": rows, "speed": rows / elapsed})

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
