"""manage.py export_accounting KIND --year YEAR: claims, settlements or payments of a year as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mutua.payouts.exports import KINDS, export_lines


class Command(BaseCommand):
    help = (
        "Esporta in CSV le pratiche (trasmesse nell'anno), le liquidazioni (per anno di pagamento o di competenza) "
        "o i pagamenti (distinte confermate eseguite nell'anno), con una riga di totale."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--by",
            choices=["payment", "competence"],
            default="payment",
            help="liquidazioni: anno di pagamento o di competenza",
        )
        parser.add_argument("--output", type=Path, help="il file da scrivere (predefinito: lo standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        lines = export_lines(kind=options["kind"], year=options["year"], basis=options["by"])
        if options["output"]:
            with options["output"].open("w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
        else:
            sys.stdout.writelines(line for line in lines if line != "\ufeff")
