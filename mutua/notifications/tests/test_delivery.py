"""E-mail reaches a real SMTP server; SMS reaches a real HTTP gateway; failures are retried, never lost."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from mutua.notifications.models import MessageStatus, OutboundMessage
from mutua.notifications.outbox import email_queue, message_deliver, sms_queue


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
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(Gateway.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", free_port()), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received, Gateway.status = [], 200
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
