"""/healthz and /readyz: public, never cached, naming only checks and ok/failing; `manage.py readiness` for workers."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mutua.core import health
from mutua.notifications.outbox import email_queue

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
def test_healthz_answers_anyone_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"] and response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_names_each_check_ok(client, settings):
    settings.TASKS = DB_TASKS
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "tasks": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_fails_when_a_task_waits_too_long_and_says_nothing_else(client, settings, clock, member):
    settings.TASKS = DB_TASKS
    email_queue(to=member.email, subject="Codice", body=f"Codice fiscale {member.fiscal_code}")
    assert client.get("/readyz").status_code == 200
    clock.shift(datetime.timedelta(seconds=settings.TASK_MAX_WAIT_SECONDS + 1))  # no worker took it
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "tasks": "failing"},
    }
    body = response.content.decode()
    assert member.email not in body and member.fiscal_code not in body and "waited" not in body


@pytest.mark.django_db
def test_readyz_fails_when_the_storage_does_not_answer(client, monkeypatch):
    def broken(self, name):
        raise OSError("bucket unreachable at 10.0.0.5")

    monkeypatch.setattr("django.core.files.storage.FileSystemStorage.exists", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["storage"] == "failing"
    assert b"10.0.0.5" not in response.content


@pytest.mark.django_db
def test_readyz_asks_the_malware_scanner_when_one_is_configured(client, clamd, settings):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["antivirus"] == "ok"
    settings.CLAMD_URL = "tcp://127.0.0.1:9"  # nothing listens there: uploads would wait for their scan
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "tasks": "ok", "antivirus": "failing"},
    }


@pytest.mark.django_db
def test_the_health_endpoints_answer_plain_http_probes_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)  # the command's checks run in threads of their own: committed rows
def test_the_readiness_command_runs_the_named_checks_here(settings, clock):
    settings.TASKS = DB_TASKS
    out = io.StringIO()
    call_command("readiness", "database", "tasks", stdout=out)
    assert out.getvalue().splitlines() == ["database: ok", "tasks: ok"]
    email_queue(to="a@esempio.it", subject="s", body="b")
    clock.shift(datetime.timedelta(seconds=settings.TASK_MAX_WAIT_SECONDS + 1))
    with pytest.raises(CommandError, match="failing: tasks"):
        call_command("readiness", "tasks", stdout=io.StringIO())


def test_every_check_of_readyz_has_a_name_the_command_accepts():
    assert sorted(health.readiness_checks()) == ["cache", "database", "storage", "tasks"]
