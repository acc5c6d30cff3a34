"""A worker killed in the middle of an SMTP send loses no message and sends it once (mutua.notifications.outbox).

Real processes: `manage.py db_worker` started as a subprocess against a database the test shares with it (a SQLite
file migrated for the test; on PostgreSQL runs, the test database itself), an operator's suspension of a claim queueing
the member's e-mail, an SMTP server that accepts connections and never answers, then a working SMTP server (aiosmtpd)
that records every message it receives. About 15 s each.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

# On PostgreSQL runs the workers share the test database: committed rows, emptied after each test.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 3  # the test's TASK_LEASE_SECONDS: production's is minutes


class SilentSmtpServer:
    """Accepts TCP connections and never says a word: an SMTP relay hung after the connection."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.connected = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.connected.set()

    def close(self) -> None:
        self.socket.close()
        for conn in self.connections:
            conn.close()


class Sink:
    """Every message received, as bytes: a duplicate would show as a second entry."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """The environment of the subprocesses: development settings, the tasks in the shared database, a short lease."""
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "MUTUA_VAR_DIR": str(tmp_path),
        "REDIS_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "TASK_LEASE_SECONDS": str(LEASE_SECONDS),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    base.pop("MUTUA_TEST_NOW", None)
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        base["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        )
    else:
        base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        manage(base, "migrate", "--noinput", "-v", "0")
    return base


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def shell(env: dict[str, str], code: str) -> object:
    """Runs Python in a subprocess against the shared database; its last line of output, read as JSON."""
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


SUSPEND = """
import json
from django_tasks_db.models import DBTaskResult
from mutua.accounts.models import Role
from mutua.claims import services
from mutua.claims.tests.test_backoffice_services import in_days, sent_claim
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.notifications.models import OutboundMessage
member = MemberFactory()
operator = UserFactory(username="operatore1", role=Role.OPERATOR)
claim = services.claim_take(claim=sent_claim(member), actor=operator)
OutboundMessage.objects.all().delete()  # the notices of the submission and of the take: delivered long ago
DBTaskResult.objects.all().delete()
services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(20))
print(json.dumps(OutboundMessage.objects.get(channel="email").pk))
"""

STATE = """
import json
from django_tasks_db.models import DBTaskResult
from mutua.notifications.models import OutboundMessage
m = OutboundMessage.objects.get(pk=%d)
tasks = DBTaskResult.objects.filter(args_kwargs__kwargs__message_id=m.pk)
print(json.dumps({
    "status": m.status, "attempts": m.attempts, "claimed": m.claimed_at is not None, "claimed_by": m.claimed_by,
    "last_error": m.last_error, "tasks": sorted(t.status for t in tasks),
}))
"""


def state(env: dict[str, str], message_id: int) -> dict:
    result = shell(env, STATE % message_id)
    assert isinstance(result, dict)
    return result


@pytest.fixture
def workers(tmp_path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def start_worker(env: dict[str, str], port: int, log: Path, started: list) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env={**env, "EMAIL_PORT": str(port)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started.append(proc)
    return proc


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def silent() -> Iterator[SilentSmtpServer]:
    server = SilentSmtpServer()
    yield server
    server.close()


@pytest.fixture
def sink() -> Iterator[tuple[Controller, Sink]]:
    handler = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, handler
    controller.stop()


def stuck_in_the_send(env, silent, workers, log) -> tuple[subprocess.Popen[bytes], int]:
    """An operator suspends a claim; a worker sends the member's e-mail to the silent server, its attempt already
    recorded and committed. The SMS of the same notice goes to the console and is sent either way."""
    message_id = shell(env, SUSPEND)
    assert isinstance(message_id, int)
    worker = start_worker(env, silent.port, log, workers)
    assert silent.connected.wait(30), log.read_text()
    now = state(env, message_id)
    # Seen from another process while the worker waits on the server: the claim was committed before the send.
    assert now["status"] == "queued" and now["attempts"] == 1 and now["claimed"] and now["claimed_by"]
    assert now["tasks"] == ["RUNNING"]
    return worker, message_id


def delivered_once(env, message_id, sink, workers, log, *, recover: list[str] | None = None) -> dict:
    """A new worker with a working SMTP server; `recover` collects what the scheduler's job said, when it is run."""
    controller, handler = sink
    start_worker(env, controller.port, log, workers)

    def sent() -> bool:
        if recover is not None:  # what the scheduler does every minute
            recover.append(manage(env, "recover_deliveries"))
        return state(env, message_id)["status"] == "sent"

    wait_for(sent, seconds=60, what="the message to be sent")
    time.sleep(1.5)  # time for a duplicate to arrive, if one were coming
    assert len(handler.messages) == 1, handler.messages
    assert b"sospesa" in handler.messages[0] and f"Message-ID: <outbox.{message_id}.".encode() in handler.messages[0]
    return state(env, message_id)


def test_sigkill_in_the_middle_of_an_smtp_send_then_a_new_worker_sends_the_message_once(
    env, silent, sink, workers, tmp_path
):
    log = tmp_path / "workers.log"
    worker, message_id = stuck_in_the_send(env, silent, workers, log)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    left = state(env, message_id)
    assert left["status"] == "queued" and left["attempts"] == 1 and left["claimed"]
    assert left["tasks"] == ["RUNNING"]  # left by the dead worker: recovered once the lease expires

    recovered: list[str] = []
    sent = delivered_once(env, message_id, sink, workers, log, recover=recovered)
    assert "tasks ready again: 1" in "".join(recovered)
    assert sent["attempts"] == 2 and not sent["claimed"] and sent["last_error"] == ""
    assert sent["tasks"] == ["SUCCESSFUL"]  # the same task, run again by the new worker
    assert "the attempt of" in log.read_text()  # the new worker took the expired claim over


def test_sigterm_during_an_smtp_send_hands_the_message_back_and_a_new_worker_sends_it_once(
    env, silent, sink, workers, tmp_path
):
    log = tmp_path / "workers.log"
    worker, message_id = stuck_in_the_send(env, silent, workers, log)
    stopped = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(10) == 0, log.read_text()
    assert time.monotonic() - stopped < 5  # the silent server does not hold the deploy up
    left = state(env, message_id)
    assert left["status"] == "queued" and left["attempts"] == 1 and not left["claimed"]
    assert "Interrupted" in left["last_error"]
    assert left["tasks"] == ["READY", "SUCCESSFUL"]  # the message queued again, to be sent now

    sent = delivered_once(env, message_id, sink, workers, log)
    assert sent["attempts"] == 2 and sent["tasks"] == ["SUCCESSFUL", "SUCCESSFUL"]
