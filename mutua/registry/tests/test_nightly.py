"""The nightly job: the newest file of each entity in REGISTRY_IMPORT_DIR, each imported once (by its SHA-256), and a
summary to the supervisors."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from mutua.accounts.models import Role
from mutua.members.models import Member, RegionalOffice
from mutua.members.tests.factories import UserFactory
from mutua.registry.models import RegistryRun, RunSource, RunStatus

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "registry"
pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path: Path, settings) -> Path:
    directory = tmp_path / "export"
    directory.mkdir()
    settings.REGISTRY_IMPORT_DIR = str(directory)
    return directory


@pytest.fixture
def supervisors(db) -> None:
    UserFactory(username="supervisore.a", role=Role.SUPERVISOR, email="a@mutua.example")
    UserFactory(username="supervisore.b", role=Role.SUPERVISOR, email="b@mutua.example")
    UserFactory(username="operatore.c", role=Role.OPERATOR, email="c@mutua.example")


def nightly(capture) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("import_registry_nightly", stdout=out)
    return out.getvalue()


def test_the_newest_files_are_imported_once_and_the_supervisors_told(
    folder: Path, supervisors: None, django_capture_on_commit_callbacks
) -> None:
    for name in ("sedi.csv", "forme.csv", "soci.csv"):
        shutil.copy(EXAMPLES / name, folder / name.replace(".csv", "-2026-12-06.csv"))

    output = nightly(django_capture_on_commit_callbacks)

    assert "soci-2026-12-06.csv: Completata" in output
    runs = RegistryRun.objects.order_by("id")
    assert [run.file_name for run in runs] == ["sedi-2026-12-06.csv", "forme-2026-12-06.csv", "soci-2026-12-06.csv"]
    assert {run.source for run in runs} == {RunSource.NIGHTLY}
    assert {run.status for run in runs} == {RunStatus.DONE}
    assert runs.get(entity="members").full
    assert Member.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["a@mutua.example", "b@mutua.example"]
    body = mail.outbox[0].body
    assert "Importazione dal registro completata" in mail.outbox[0].subject
    assert "soci-2026-12-06.csv: Completata. Soci: nuovi 3" in body
    assert f"/backoffice/registro/{runs.get(entity='members').pk}/" in body
    assert "Rossi" not in body and "RSSMRA" not in body  # no member's data by e-mail

    mail.outbox.clear()
    assert "Nessun file nuovo." in nightly(django_capture_on_commit_callbacks)
    assert RegistryRun.objects.count() == 3
    assert not mail.outbox


def test_only_the_newest_file_of_an_entity_is_imported(folder: Path, django_capture_on_commit_callbacks) -> None:
    older, newer = folder / "sedi-1.csv", folder / "sedi-2.csv"
    shutil.copy(EXAMPLES / "sedi.csv", older)
    newer.write_text(
        "code;name;region;address;phone;email\nPIE;Sede Piemonte;Piemonte;Via Po 1;011 1;p@mutua.example\n",
        encoding="utf-8",
    )
    os.utime(older, (1_700_000_000, 1_700_000_000))

    nightly(django_capture_on_commit_callbacks)

    assert list(RegionalOffice.objects.values_list("code", flat=True)) == ["PIE"]
    newer.write_text(newer.read_text() + "VDA;Sede Valle d'Aosta;Valle d'Aosta;Via 2;0165 1;v@mutua.example\n")

    nightly(django_capture_on_commit_callbacks)

    assert RegistryRun.objects.count() == 2  # a changed file is another hash: imported again
    assert RegionalOffice.objects.count() == 2


def test_an_unreadable_file_is_a_failed_run_the_supervisors_hear_about(
    folder: Path, supervisors: None, django_capture_on_commit_callbacks
) -> None:
    (folder / "soci.csv").write_text("code;nome\n1;Mario\n", encoding="utf-8")

    nightly(django_capture_on_commit_callbacks)

    run = RegistryRun.objects.get()
    assert run.status == RunStatus.FAILED and "Colonne sconosciute" in run.failure
    assert "da controllare" in mail.outbox[0].subject


def test_without_a_folder_the_job_does_nothing(settings, django_capture_on_commit_callbacks) -> None:
    settings.REGISTRY_IMPORT_DIR = ""
    settings.REGISTRY_IMPORT_URL = ""

    assert "nessuna importazione notturna" in nightly(django_capture_on_commit_callbacks)
    assert not RegistryRun.objects.exists()


# --- From an S3 prefix (REGISTRY_IMPORT_URL), against moto's S3 server on a local port ---------------------------

BUCKET = "registro-export-test"
REGION = "eu-south-1"


@pytest.fixture
def bucket(s3_endpoint: str, settings) -> Iterator[Any]:
    """An empty bucket; the nightly job reads its prefix notte/ with the files' S3 connection."""
    connection = {
        "endpoint_url": s3_endpoint,
        "region_name": REGION,
        "aws_access_key_id": "mutua-test",
        "aws_secret_access_key": "mutua-test-secret",
    }
    settings.S3_CONNECTION = connection
    settings.REGISTRY_IMPORT_DIR = ""
    settings.REGISTRY_IMPORT_URL = f"s3://{BUCKET}/notte"
    client = boto3.client("s3", **connection)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    try:
        yield client
    finally:
        for found in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=found["Key"])
        client.delete_bucket(Bucket=BUCKET)


def upload(client: Any, key: str, body: bytes) -> None:
    client.put_object(Bucket=BUCKET, Key=key, Body=body)


def test_the_newest_objects_under_the_prefix_are_imported_once(
    bucket: Any, supervisors: None, django_capture_on_commit_callbacks
) -> None:
    for name in ("sedi.csv", "forme.csv", "soci.csv"):
        upload(bucket, f"notte/{name.replace('.csv', '-notte.csv')}", (EXAMPLES / name).read_bytes())
    upload(bucket, "notte/archivio/soci-vecchio.csv", b"code;nome\n1;Mario\n")  # deeper: not looked at
    upload(bucket, "altro/sedi.csv", b"code;nome\n1;Mario\n")  # another prefix
    upload(bucket, "notte/leggimi.pdf", b"%PDF-1.4")  # not a registry file

    output = nightly(django_capture_on_commit_callbacks)

    assert "soci-notte.csv: Completata" in output
    runs = RegistryRun.objects.order_by("id")
    assert [run.file_name for run in runs] == ["sedi-notte.csv", "forme-notte.csv", "soci-notte.csv"]
    assert {run.status for run in runs} == {RunStatus.DONE}
    assert {run.source for run in runs} == {RunSource.NIGHTLY}
    assert runs.get(entity="members").full
    assert Member.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["a@mutua.example", "b@mutua.example"]
    assert "soci-notte.csv: Completata. Soci: nuovi 3" in mail.outbox[0].body

    mail.outbox.clear()
    assert "Nessun file nuovo." in nightly(django_capture_on_commit_callbacks)
    assert RegistryRun.objects.count() == 3
    assert not mail.outbox


def test_of_an_entity_under_the_prefix_only_the_last_uploaded_is_imported(
    bucket: Any, django_capture_on_commit_callbacks
) -> None:
    upload(bucket, "notte/sedi-b.csv", (EXAMPLES / "sedi.csv").read_bytes())
    time.sleep(1.1)  # S3 keeps LastModified to the second
    upload(
        bucket,
        "notte/sedi-a.csv",
        b"code;name;region;address;phone;email\nPIE;Sede Piemonte;Piemonte;Via Po 1;011 1;p@mutua.example\n",
    )

    nightly(django_capture_on_commit_callbacks)

    assert RegistryRun.objects.get().file_name == "sedi-a.csv"
    assert list(RegionalOffice.objects.values_list("code", flat=True)) == ["PIE"]


def test_an_unreadable_object_is_a_failed_run_the_supervisors_hear_about(
    bucket: Any, supervisors: None, django_capture_on_commit_callbacks
) -> None:
    upload(bucket, "notte/soci.csv", b"code;nome\n1;Mario\n")

    nightly(django_capture_on_commit_callbacks)

    run = RegistryRun.objects.get()
    assert run.status == RunStatus.FAILED and "Colonne sconosciute" in run.failure
    assert "da controllare" in mail.outbox[0].subject


@pytest.fixture
def downloads(monkeypatch) -> list[str]:
    """The keys the nightly job downloads, in order (the real client, against moto's server, counted)."""
    from mutua.registry import nightly as job

    keys: list[str] = []
    make_client = job.s3_client

    def counting_client() -> Any:
        client = make_client()
        download = client.download_file

        def download_file(bucket: str, key: str, filename: str, **kwargs: Any) -> None:
            keys.append(key)
            download(bucket, key, filename, **kwargs)

        client.download_file = download_file
        return client

    monkeypatch.setattr(job, "s3_client", counting_client)
    return keys


def test_an_object_already_imported_is_not_downloaded_again(
    bucket: Any, downloads: list[str], django_capture_on_commit_callbacks
) -> None:
    upload(bucket, "notte/soci.csv", (EXAMPLES / "soci.csv").read_bytes())
    nightly(django_capture_on_commit_callbacks)
    run = RegistryRun.objects.get()
    assert downloads == ["notte/soci.csv"]
    assert run.source_object.startswith(f"s3://{BUCKET}/notte/soci.csv ")

    # A registry of a million members is hundreds of megabytes: the next nights do not fetch it again.
    assert "Nessun file nuovo." in nightly(django_capture_on_commit_callbacks)
    assert downloads == ["notte/soci.csv"]
    assert RegistryRun.objects.count() == 1

    # The registry rewrites the object with a changed member: a new ETag, downloaded and imported.
    changed = (EXAMPLES / "soci.csv").read_text(encoding="utf-8").replace("Mario", "Marco", 1)
    assert changed != (EXAMPLES / "soci.csv").read_text(encoding="utf-8")
    upload(bucket, "notte/soci.csv", changed.encode())
    nightly(django_capture_on_commit_callbacks)
    assert downloads == ["notte/soci.csv", "notte/soci.csv"]
    assert RegistryRun.objects.count() == 2


def test_an_object_whose_import_failed_is_read_again_the_next_night(
    bucket: Any, downloads: list[str], django_capture_on_commit_callbacks
) -> None:
    upload(bucket, "notte/soci.csv", b"code;nome\n1;Mario\n")
    nightly(django_capture_on_commit_callbacks)
    nightly(django_capture_on_commit_callbacks)

    assert downloads == ["notte/soci.csv", "notte/soci.csv"]  # only a completed import is skipped unread
    assert [run.status for run in RegistryRun.objects.all()] == [RunStatus.FAILED, RunStatus.FAILED]


def test_a_missing_bucket_stops_the_job_with_its_reason(
    bucket: Any, settings, django_capture_on_commit_callbacks
) -> None:
    settings.REGISTRY_IMPORT_URL = "s3://nessun-bucket-cosi/notte/"

    with pytest.raises(CommandError, match="S3 non risponde"):
        nightly(django_capture_on_commit_callbacks)
    assert not RegistryRun.objects.exists()


def test_a_folder_and_a_prefix_together_are_refused(
    settings, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    settings.REGISTRY_IMPORT_DIR = str(tmp_path)
    settings.REGISTRY_IMPORT_URL = "s3://registro/notte/"

    with pytest.raises(CommandError, match="lasciane una sola"):
        nightly(django_capture_on_commit_callbacks)


def test_an_address_that_is_not_s3_is_refused(settings, django_capture_on_commit_callbacks) -> None:
    settings.REGISTRY_IMPORT_DIR = ""
    settings.REGISTRY_IMPORT_URL = "https://registro.example/notte/"

    with pytest.raises(CommandError, match="s3://bucket/prefisso/"):
        nightly(django_capture_on_commit_callbacks)
