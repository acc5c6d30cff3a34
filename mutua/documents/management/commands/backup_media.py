"""`manage.py backup_media FILE`: every file of the media store (the bucket, or MEDIA_ROOT) into a tar archive.

    manage.py backup_media media-2026-12-01.tar
    docker compose exec -T web /app/deploy/entrypoint.sh manage backup_media - > media.tar     # `-`: to stdout

Restore with `manage.py restore_media` (docs/operations.md, Backups).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mutua.documents.media_archive import export_media


class Command(BaseCommand):
    help = "Writes every file of the media store into a tar archive (FILE, or - for stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to write, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] == "-":
            counts = export_media(sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with open(options["file"], "wb") as out:
                counts = export_media(out)
        self.stderr.write(f"backup_media: {counts.files} files, {counts.bytes} bytes")
