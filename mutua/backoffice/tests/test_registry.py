"""Importazione dal registro in the back office: upload, the dry run's summary, confirm, the import by the worker,
the history and the error file; supervisors and administrators only."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import Member, MemberChange, RegionalOffice
from mutua.registry.models import RegistryRun, RunStatus
from mutua.registry.services import registry_user

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "registry"
pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (EXAMPLES / name).read_bytes())


def post_file(client: Any, capture: Any, file: SimpleUploadedFile, **data: Any) -> Any:
    with capture(execute=True):  # the worker's check runs once the upload is committed
        return client.post(reverse("backoffice:registry_runs"), {"file": file, **data})


def checked_run(client: Any, capture: Any, name: str = "sedi.csv") -> RegistryRun:
    response = post_file(client, capture, upload(name))
    assert response.status_code == 302
    return RegistryRun.objects.get()


def test_a_supervisor_uploads_sees_the_dry_run_and_nothing_is_written(
    client, supervisor, django_capture_on_commit_callbacks
) -> None:
    client.force_login(supervisor)

    response = post_file(client, django_capture_on_commit_callbacks, upload("sedi.csv"))

    run = RegistryRun.objects.get()
    assert response["Location"] == reverse("backoffice:registry_run", args=[run.pk])
    assert run.status == RunStatus.CHECKED
    assert run.file_sha256 == hashlib.sha256((EXAMPLES / "sedi.csv").read_bytes()).hexdigest()
    assert run.created_by == supervisor
    page = client.get(response["Location"]).content.decode()
    assert "Da confermare" in page
    assert "Sedi regionali" in page and "Conferma l'importazione" in page
    assert 'http-equiv="refresh"' not in page
    assert not RegionalOffice.objects.exists()


def test_confirming_imports_the_file_and_the_history_lists_it(
    client, supervisor, django_capture_on_commit_callbacks
) -> None:
    client.force_login(supervisor)
    run = checked_run(client, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:registry_run_confirm", args=[run.pk]))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.confirmed_by == supervisor
    assert run.result["counts"][0] == {
        "entity": "Sedi regionali", "new": 3, "changed": 0, "unchanged": 0, "invalid": 0, "missing": 0,
    }  # fmt: skip
    assert RegionalOffice.objects.count() == 3
    history = client.get(reverse("backoffice:registry_runs")).content.decode()
    assert "sedi.csv" in history and run.file_sha256[:12] in history and "Completata" in history
    assert AuditEvent.objects.filter(action="registry.import", actor=supervisor).count() == 1


def test_a_run_cannot_be_confirmed_twice(client, supervisor, django_capture_on_commit_callbacks) -> None:
    client.force_login(supervisor)
    run = checked_run(client, django_capture_on_commit_callbacks)
    url = reverse("backoffice:registry_run_confirm", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    response = client.post(url, follow=True)

    assert "non è in attesa di conferma" in response.content.decode()
    assert AuditEvent.objects.filter(action="registry.import").count() == 1


def test_the_first_errors_are_shown_and_the_error_file_downloaded(
    client, supervisor, django_capture_on_commit_callbacks
) -> None:
    content = (EXAMPLES / "sedi.csv").read_text().replace("lazio@mutua.example", "non-una-email")
    client.force_login(supervisor)
    post_file(client, django_capture_on_commit_callbacks, upload("sedi.csv", content.encode()))
    run = RegistryRun.objects.get()

    page = client.get(reverse("backoffice:registry_run", args=[run.pk])).content.decode()

    assert run.error_count == 1
    assert "riga 3: email: indirizzo email non valido." in page
    response = client.get(reverse("backoffice:registry_run_errors", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "sedi.csv;3;email;non-una-email;indirizzo email non valido." in body
    assert AuditEvent.objects.filter(action="registry.errors_download").exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("sedi.csv", b"", "Il file è vuoto"),
        ("sedi.csv", b"code;name\nLOM;Sede\n", "Colonne obbligatorie mancanti"),
        ("sedi.csv", b"code;name;region;address;phone;email;fax\n", "Colonne sconosciute"),
        ("export.csv", b"code;name\n", "Dal nome del file non si capisce"),
        ("sedi.xlsx", b"PK\x03\x04", "Formato non riconosciuto"),
    ],
)
def test_a_bad_file_is_refused_next_to_the_field_and_nothing_is_stored(
    client, supervisor, name: str, content: bytes, reason: str
) -> None:
    client.force_login(supervisor)

    response = client.post(reverse("backoffice:registry_runs"), {"file": upload(name, content)})

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert 'id="id_file-error"' in response.content.decode()
    assert not RegistryRun.objects.exists()


def test_only_a_members_file_may_be_the_full_list(client, supervisor) -> None:
    client.force_login(supervisor)

    response = client.post(reverse("backoffice:registry_runs"), {"file": upload("sedi.csv"), "full": "on"})

    assert response.status_code == 400
    assert "Solo un file di soci può essere l&#x27;elenco completo" in response.content.decode()


def test_operators_members_and_anonymous_visitors_get_nothing(
    client, operator, member, supervisor, django_capture_on_commit_callbacks
) -> None:
    client.force_login(supervisor)
    run = checked_run(client, django_capture_on_commit_callbacks)
    urls = [
        reverse("backoffice:registry_runs"),
        reverse("backoffice:registry_run", args=[run.pk]),
        reverse("backoffice:registry_run_errors", args=[run.pk]),
    ]
    confirm = reverse("backoffice:registry_run_confirm", args=[run.pk])
    for user in (operator, member.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(confirm).status_code == 404
    client.logout()
    for url in [*urls, confirm]:
        assert client.get(url).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.CHECKED


def test_the_history_runs_a_constant_number_of_queries(client, supervisor, django_capture_on_commit_callbacks) -> None:
    client.force_login(supervisor)
    checked_run(client, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("backoffice:registry_runs"))
    for _ in range(3):
        post_file(client, django_capture_on_commit_callbacks, upload("forme.csv"))

    with CaptureQueriesContext(connection) as four:
        client.get(reverse("backoffice:registry_runs"))

    assert len(four) == len(one)


def test_the_claim_page_says_when_the_registry_last_changed_the_member(client, operator, member) -> None:
    claim = sent_claim(member)
    client.force_login(operator)
    assert (
        "nessuna dopo l'iscrizione" in client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
    )
    MemberChange.objects.create(
        member=member,
        actor=registry_user(),
        changed_at="2026-06-01T08:00:00+02:00",
        field="residence_city",
        old_value="Milano",
        new_value="Monza",
    )
    Member.objects.filter(pk=member.pk).update(registry_missing_since="2026-06-10")

    page = client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()

    assert "01/06/2026 08:00" in page
    assert "Assente dall'elenco completo del registro dal 10/06/2026" in page


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL: the progress is in the run's row")
def test_on_sqlite_the_page_shows_the_rows_read_while_the_import_runs(
    client, supervisor, django_capture_on_commit_callbacks, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mutua.registry import runs

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(runs, "PROGRESS_SECONDS", 0)
    client.force_login(supervisor)
    run = checked_run(client, django_capture_on_commit_callbacks, "soci.csv")
    pages: list[str] = []
    original = runs.registry_import

    def import_and_look(**kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def progress_and_look(*args: Any) -> None:
            progress(*args)  # the worker writes its progress, then a supervisor reloads the page
            pages.append(client.get(reverse("backoffice:registry_run", args=[run.pk])).content.decode())

        return original(**{**kwargs, "progress": progress_and_look})

    monkeypatch.setattr(runs, "registry_import", import_and_look)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("backoffice:registry_run_confirm", args=[run.pk]))

    assert pages and "Righe lette: 3 (100% del file)" in pages[0]
    assert 'http-equiv="refresh"' in pages[0]
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.rows_read == 3
    assert not list((tmp_path / "registry-progress").iterdir())  # the progress file goes with the run
