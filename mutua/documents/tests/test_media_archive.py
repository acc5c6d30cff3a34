"""backup_media and restore_media: the media store to a tar archive and back, on a disk and in a bucket."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command

from mutua.documents.media_archive import RestoreError, export_media, import_media, stored_names
from mutua.documents.tests.test_s3_storage import BUCKET, PREFIX, bucket, objects  # noqa: F401 (fixtures)

FILES = {
    "attachments/2026/11/3f2a.pdf": b"%PDF-1.4 one",
    "attachments/2026/12/9c1d.jpg": b"\xff\xd8\xff jpeg",
    "photos/ab12.png": b"\x89PNG photo",
}


def filled(root: Path) -> FileSystemStorage:
    storage = FileSystemStorage(location=root)
    for name, data in FILES.items():
        assert storage.save(name, ContentFile(data)) == name
    return storage


def test_a_disk_store_goes_into_an_archive_and_back_into_an_empty_one_under_the_same_names(tmp_path) -> None:
    archive = io.BytesIO()
    counts = export_media(archive, filled(tmp_path / "before"))
    assert (counts.files, counts.bytes) == (3, sum(len(d) for d in FILES.values()))
    archive.seek(0)
    fresh = FileSystemStorage(location=tmp_path / "after")
    assert import_media(archive, fresh).files == 3
    assert {name: fresh.open(name).read() for name in stored_names(fresh)} == FILES


def test_a_restore_run_again_skips_what_is_already_there(tmp_path) -> None:
    archive = io.BytesIO()
    export_media(archive, filled(tmp_path / "before"))
    fresh = FileSystemStorage(location=tmp_path / "after")
    archive.seek(0)
    import_media(archive, fresh)
    archive.seek(0)
    again = import_media(archive, fresh)
    assert (again.files, again.skipped) == (0, 3)
    assert sorted(stored_names(fresh)) == sorted(FILES)


@pytest.mark.parametrize("name", ["../outside.pdf", "/etc/passwd"])
def test_an_archive_member_outside_the_store_is_refused(tmp_path, name) -> None:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    archive.seek(0)
    with pytest.raises(RestoreError, match="not a plain file with a relative name"):
        import_media(archive, FileSystemStorage(location=tmp_path / "store"))


def test_the_commands_write_and_read_archive_files(tmp_path, settings) -> None:
    filled(tmp_path / "media")
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup_media", str(tmp_path / "media.tar"))
    settings.MEDIA_ROOT = tmp_path / "restored"
    call_command("restore_media", str(tmp_path / "media.tar"))
    assert sorted(stored_names(default_storage)) == sorted(FILES)
    with pytest.raises(CommandError):
        (tmp_path / "broken.tar").write_bytes(b"not a tar archive")
        call_command("restore_media", str(tmp_path / "broken.tar"))


@pytest.mark.django_db
def test_a_bucket_goes_into_an_archive_and_back_under_the_prefix_and_the_same_keys(bucket, tmp_path) -> None:  # noqa: F811
    for name, data in FILES.items():
        assert default_storage.save(name, ContentFile(data)) == name
    archive = io.BytesIO()
    assert export_media(archive).files == 3
    for key in list(objects(bucket)):
        bucket.delete_object(Bucket=BUCKET, Key=key)
    archive.seek(0)
    assert import_media(archive).files == 3
    assert objects(bucket) == {f"{PREFIX}/{name}": data for name, data in FILES.items()}
