"""The nightly job: the newest file of each entity in REGISTRY_IMPORT_DIR, each imported once (by its SHA-256), and a
summary to the supervisors."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

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

    assert "nessuna importazione notturna" in nightly(django_capture_on_commit_callbacks)
    assert not RegistryRun.objects.exists()
