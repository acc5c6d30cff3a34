from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mutua.demo.catalogue import DEFAULT_MEMBERS, DEFAULT_SEED
from mutua.demo.generator import demo_generate


class Command(BaseCommand):
    help = (
        "Carica i dati dimostrativi (soci, familiari, adesioni, contributi, pratiche, strutture) e gli account "
        "di prova. Se i dati ci sono già non cambia nulla."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seme dei dati (predefinito %(default)s)")
        parser.add_argument(
            "--members", type=int, default=DEFAULT_MEMBERS, help="numero di soci, compresi i tre account di prova"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_generate(seed=options["seed"], members=options["members"])
        except ValueError as exc:
            raise CommandError(str(exc))
        counts = ", ".join(f"{n} {label}" for label, n in result.counts.items())
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Dati dimostrativi creati in {result.seconds:.1f} s: {counts}."))
        else:
            self.stdout.write(f"I dati dimostrativi sono già presenti: nessuna modifica ({counts}).")
        self.stdout.write(f"Account di prova (salvati in {result.accounts_file}):")
        for account in result.accounts:
            self.stdout.write(f"  {account.key:<18} {account.username:<20} {account.password:<18} {account.name}")
            self.stdout.write(f"  {'':<18} {account.description}")
