"""The media store (members' attachments, photos, issued documents) to and from one tar archive: the files' half of a
backup (docs/operations.md, Backups). Through Django's default storage, so the same commands serve a bucket
(AWS_STORAGE_BUCKET_NAME) and MEDIA_ROOT on a disk; names in the archive are the storage names the database keeps.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage


class RestoreError(Exception):
    pass


@dataclass
class Counts:
    files: int = 0
    bytes: int = 0
    skipped: int = 0


def stored_names(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in the storage, walked directory by directory (under the bucket's prefix on S3)."""
    directories, files = storage.listdir(path)
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from stored_names(storage, f"{path}/{directory}" if path else directory)


def export_media(out: BinaryIO, storage: Storage = default_storage) -> Counts:
    """Writes every stored file into a tar stream on `out` (files are small: 2 MB at most, read one at a time)."""
    counts = Counts()
    with tarfile.open(fileobj=out, mode="w|") as archive:
        for name in stored_names(storage):
            with storage.open(name, "rb") as stored:
                data = stored.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(data))
            counts.files += 1
            counts.bytes += len(data)
    return counts


def import_media(source: BinaryIO, storage: Storage = default_storage) -> Counts:
    """Saves every file of a tar stream under its own name. A name already stored is left as it is (a restore can be
    run again after an interruption); a name the storage would change, or a member that is not a plain file, stops."""
    counts = Counts()
    try:
        archive = tarfile.open(fileobj=source, mode="r|")  # noqa: SIM115 (closed by the with below)
    except tarfile.ReadError as exc:
        raise RestoreError(f"not a tar archive: {exc}") from exc
    with archive:
        for member in archive:
            if member.isdir():
                continue
            if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
                raise RestoreError(f"{member.name!r} is not a plain file with a relative name")
            if storage.exists(member.name):
                counts.skipped += 1
                continue
            extracted = archive.extractfile(member)
            assert extracted is not None  # a regular file
            data = extracted.read()
            saved = storage.save(member.name, ContentFile(data))
            if saved != member.name:
                raise RestoreError(f"{member.name!r} was stored as {saved!r}: the database would not find it")
            counts.files += 1
            counts.bytes += len(data)
    return counts
