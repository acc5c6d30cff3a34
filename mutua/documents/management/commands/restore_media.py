"""`manage.py restore_media FILE`: the files of a `backup_media` archive back into the media store.

    manage.py restore_media media-2026-12-01.tar
    docker compose run --rm -T web manage restore_media - < media.tar                            # `-`: from stdin

Each file gets its own name back (the one the restored database keeps); a name already stored is skipped, so an
interrupted restore can be run again. Restore into an empty bucket or MEDIA_ROOT (docs/operations.md, Backups).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mutua.documents.media_archive import RestoreError, import_media


class Command(BaseCommand):
    help = "Puts the files of a backup_media archive (FILE, or - for stdin) back into the media store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to read, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"] == "-":
                counts = import_media(sys.stdin.buffer)
            else:
                with open(options["file"], "rb") as source:
                    counts = import_media(source)
        except RestoreError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"restore_media: {counts.files} files, {counts.bytes} bytes; {counts.skipped} already there")
