"""E-mail reaches a real SMTP server; SMS reaches a real HTTP gateway; failures are retried, never lost."""

from __future__ import annotations

import datetime
import io
import json
import os
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from mutua.accounts.tests.factories import totp_enable
from mutua.core.requestid import RequestIdMiddleware, current_request_id
from mutua.core.tasks import WorkerStopping, interruptible, tasks_recover_stale
from mutua.members.tests.factories import UserFactory
from mutua.notifications.models import MessageStatus, OutboundMessage
from mutua.notifications.outbox import (
    email_queue,
    message_deliver,
    message_key,
    messages_requeue_stale,
    sms_queue,
    worker_name,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collect(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.mark.django_db
def test_email_reaches_a_real_smtp_server(settings, smtp_server):
    controller, handler = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    message = email_queue(to="socio@esempio.it", subject="Codice", body="Il tuo codice è 123456")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at
    assert len(handler.messages) == 1
    received = handler.messages[0]
    assert received["To"] == "socio@esempio.it"
    assert "123456" in received.get_payload(decode=True).decode()


@pytest.mark.django_db
def test_unreachable_smtp_is_retried_then_marked_failed(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = email_queue(to="socio@esempio.it", subject="Codice", body="x")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1 and message.last_error
    for _ in range(settings.MESSAGE_MAX_ATTEMPTS - 1):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == settings.MESSAGE_MAX_ATTEMPTS


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    headers_seen: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((self.headers["Authorization"], json.loads(body)))
        Gateway.headers_seen.append(dict(self.headers))
        self.send_response(Gateway.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", free_port()), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received, Gateway.headers_seen, Gateway.status = [], [], 200
    settings.SMS_BACKEND = "mutua.notifications.sms.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "segreto"
    yield Gateway
    server.shutdown()


@pytest.mark.django_db
def test_sms_goes_to_the_http_gateway(gateway):
    message = sms_queue(to="+393331234567", body="Codice 654321")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    auth, payload = gateway.received[0]
    assert auth == "Bearer segreto"
    assert payload["to"] == "+393331234567" and payload["text"] == "Codice 654321"


@pytest.mark.django_db
def test_gateway_error_keeps_the_sms_queued(gateway):
    gateway.status = 500
    message = sms_queue(to="+393331234567", body="Codice 654321")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and "500" in message.last_error


@pytest.mark.django_db
def test_outbox_page_lists_messages_in_development(client, settings):
    email_queue(to="a@esempio.it", subject="Oggetto", body="Il tuo codice è 123456")
    sms_queue(to="+393331234567", body="SMS <b>codice</b> 654321")
    page = client.get("/sviluppo/posta-in-uscita/").content.decode()
    assert "123456" in page and "654321" in page
    assert "<b>codice</b>" not in page  # bodies are escaped
    settings.MUTUA_SHOW_OUTBOX = False
    assert client.get("/sviluppo/posta-in-uscita/").status_code == 404
    assert OutboundMessage.objects.count() == 2


# --- At most one attempt at a time, the same id at every attempt (mutua.notifications.outbox) ------------------------

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def tasks_for(message_id: int):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(args_kwargs__kwargs__message_id=message_id)


@pytest.mark.django_db
def test_every_attempt_at_a_message_carries_the_same_message_id(settings, smtp_server):
    controller, handler = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = email_queue(to="socio@esempio.it", subject="Codice", body="x")  # refused: attempt 1 fails
    settings.EMAIL_PORT = controller.port
    message = message_deliver(message_id=message.pk)
    assert message.status == MessageStatus.SENT and message.attempts == 2
    key = message_key(message)
    assert handler.messages[0]["Message-ID"] == key
    assert key.startswith(f"<outbox.{message.pk}.") and key.endswith("@mutua.example>")


@pytest.mark.django_db
def test_sms_carry_the_message_key_to_the_gateway_as_idempotency_key(gateway):
    message = sms_queue(to="+393331234567", body="Codice 654321")
    assert gateway.received and gateway.headers_seen[-1]["Idempotency-Key"] == message_key(message)


@pytest.mark.django_db
def test_a_live_claim_of_another_worker_keeps_a_second_task_from_sending(settings, mailoutbox):
    settings.TASKS = DB_TASKS
    message = email_queue(to="socio@esempio.it", subject="Codice", body="x")
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=1, claimed_at=timezone.now(), claimed_by="w2:7")
    message = message_deliver(message_id=message.pk)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1 and message.claimed_by == "w2:7"
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_attempt_is_recorded_on_the_row_before_the_server_is_contacted(settings, mailoutbox, monkeypatch):
    settings.TASKS = DB_TASKS
    message = email_queue(to="socio@esempio.it", subject="Codice", body="x")
    seen = {}

    def send(self):
        row = OutboundMessage.objects.get(pk=message.pk)
        seen.update(attempts=row.attempts, claimed_at=row.claimed_at, claimed_by=row.claimed_by)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    message = message_deliver(message_id=message.pk)
    assert seen["attempts"] == 1 and seen["claimed_at"] == timezone.now() and seen["claimed_by"] == worker_name()
    assert message.status == MessageStatus.SENT and message.claimed_at is None and message.claimed_by == ""


@pytest.mark.django_db
def test_a_claim_older_than_the_lease_is_taken_over_and_the_interruption_noted(settings, mailoutbox, clock):
    settings.TASKS = DB_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = email_queue(to="socio@esempio.it", subject="Codice", body="x")
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=1, claimed_at=timezone.now(), claimed_by="dead:1")
    clock.shift(datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1))
    message = message_deliver(message_id=message.pk)  # refused again: attempt 2, a retry queued
    assert message.attempts == 2 and message.status == MessageStatus.QUEUED
    assert message.claimed_at is None and "ConnectionRefusedError" in message.last_error


@pytest.mark.django_db
def test_smtp_down_is_retried_with_growing_delays_then_failed_and_shown_to_operators(
    settings, client, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = email_queue(to="socio@esempio.it", subject="Codice", body="x")
    for attempt in range(1, settings.MESSAGE_MAX_ATTEMPTS):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_deliver(message_id=message.pk)
        delay = datetime.timedelta(minutes=2**attempt)
        assert message.status == MessageStatus.QUEUED and message.attempts == attempt
        assert message.next_attempt_at == timezone.now() + delay
        assert tasks_for(message.pk).filter(run_after=timezone.now() + delay).exists()  # the retry, deferred
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = message_deliver(message_id=message.pk)
    assert message.status == MessageStatus.FAILED and message.attempts == settings.MESSAGE_MAX_ATTEMPTS
    assert callbacks == []  # no retry after the last attempt
    admin = UserFactory(username="amministratore1", is_staff=True, is_superuser=True, role="admin")
    totp_enable(admin)
    client.force_login(admin)
    page = client.get("/admin/notifications/outboundmessage/?status__exact=failed").content.decode()
    assert "socio@esempio.it" in page


@pytest.mark.django_db
def test_a_message_whose_task_was_lost_is_queued_again_after_a_lease(settings, clock):
    settings.TASKS = DB_TASKS
    lost = email_queue(to="a@esempio.it", subject="Codice", body="x")
    waiting = email_queue(to="b@esempio.it", subject="Codice", body="y")
    tasks_for(lost.pk).delete()  # e.g. failed when its worker was killed twice, then pruned
    assert messages_requeue_stale() == 0  # not overdue yet
    clock.shift(datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1))
    assert messages_requeue_stale() == 1
    assert tasks_for(lost.pk).count() == 1 and tasks_for(waiting.pk).count() == 1  # its own task is still there
    assert messages_requeue_stale() == 0  # once


@pytest.mark.django_db
def test_a_task_left_running_by_a_dead_worker_is_made_ready_again(settings, clock, caplog):
    from django_tasks.base import TaskResultStatus

    settings.TASKS = DB_TASKS
    message = email_queue(to="a@esempio.it", subject="Codice", body="x")
    tasks_for(message.pk).update(status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["w1"])
    assert tasks_recover_stale() == 0
    clock.shift(datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1))
    assert tasks_recover_stale() == 1
    task = tasks_for(message.pk).get()
    assert task.status == TaskResultStatus.READY and task.started_at is None
    assert "left running by worker w1" in caplog.text


@pytest.mark.django_db
def test_the_recovery_command_runs_both_sweeps(settings, clock):
    from django_tasks.base import TaskResultStatus

    settings.TASKS = DB_TASKS
    stuck = email_queue(to="b@esempio.it", subject="Codice", body="y")
    tasks_for(stuck.pk).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    clock.shift(datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1))
    out = io.StringIO()
    call_command("recover_deliveries", stdout=out)
    assert "tasks ready again: 1; messages queued again: 0" in out.getvalue()


@pytest.mark.django_db
def test_the_request_that_queued_a_message_is_known_to_the_task_that_sends_it(settings, monkeypatch):
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = DB_TASKS

    def view(request):
        email_queue(to="a@esempio.it", subject="s", body="b")
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0123456789"))
    assert response["X-Request-ID"] == "req-0123456789"
    row = tasks_for(OutboundMessage.objects.get().pk).get()
    assert row.args_kwargs["kwargs"]["request_id"] == "req-0123456789"
    seen = []
    monkeypatch.setattr("django.core.mail.EmailMessage.send", lambda self: seen.append(current_request_id()) or 1)
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )
    worker.run_task(row)
    assert seen == ["req-0123456789"] and current_request_id() == ""


def test_a_stop_signal_ends_an_interruptible_wait_after_telling_the_worker():
    told = []

    def worker_handler(signum, frame):  # db_worker's: stop taking tasks once this one ends
        told.append(signum)

    previous = signal.signal(signal.SIGTERM, worker_handler)
    try:
        started = time.monotonic()
        with pytest.raises(WorkerStopping), interruptible() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the signal ends the wait at once
        assert time.monotonic() - started < 2
        assert stop.requested and told == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is worker_handler  # restored
        with interruptible() as calm:
            pass
        assert not calm.requested
    finally:
        signal.signal(signal.SIGTERM, previous)
