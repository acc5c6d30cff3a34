"""Log lines: one JSON object per event with time, level, logger, request id and user id; never a codice fiscale,
an IBAN, an e-mail address, a phone number or a file name; the worker logs the id of the request that queued its
task."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from mutua.core.logs import ContextFilter, JsonFormatter, TextFormatter, scrub
from mutua.core.requestid import RequestIdMiddleware
from mutua.core.tests.urls_errors import PERSONAL
from mutua.notifications.models import OutboundMessage
from mutua.notifications.outbox import email_queue

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def json_lines():
    """What the production handler writes, as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("mutua.request", "mutua.outbox", "django_tasks")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("what", sorted(PERSONAL))
def test_personal_data_is_scrubbed_from_any_text(what):
    assert PERSONAL[what] not in scrub(f"something about {PERSONAL[what]}, then more")


def test_ordinary_lines_are_left_as_they_are():
    for line in (
        "GET /pratiche/12/ 200 4 ms",
        "task 3bd7ccc9d1f247f09451ea65b84118da (mutua.notifications.outbox.deliver_message) ready again",
        "scheduled job purge_drafts done in 0.3 s",
        'File "/app/mutua/claims/services/drafts.py", line 120, in claim_submit',
    ):
        assert scrub(line) == line


def test_a_json_line_has_time_level_logger_ids_and_a_scrubbed_exception(json_lines):
    logger = logging.getLogger("mutua.test")
    try:
        raise ValueError(f"duplicate key {PERSONAL['codice fiscale']}")
    except ValueError:
        logger.exception("import of %s failed", PERSONAL["file name"])
    (line,) = [entry for entry in json_lines() if entry["logger"] == "mutua.test"]
    assert set(line) == {"time", "level", "logger", "message", "request_id", "user_id", "exception"}
    assert line["level"] == "ERROR" and line["message"] == "import of [file] failed"
    assert "ValueError: duplicate key [codice fiscale]" in line["exception"]
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_each_request_is_one_line_with_its_id_and_user_and_without_the_query_string(json_lines, member):
    def view(request):
        logging.getLogger("mutua.test").info("inside the view")
        return HttpResponse("ok")

    request = RequestFactory().get(f"/pratiche/?q={PERSONAL['codice fiscale']}", HTTP_X_REQUEST_ID="abc123def456")
    request.user = member.user
    middleware = RequestIdMiddleware(view)
    middleware.process_view(request, view, (), {})  # as Django does, after authentication
    response = middleware(request)
    assert response["X-Request-ID"] == "abc123def456"
    lines = json_lines()
    inside = next(line for line in lines if line["logger"] == "mutua.test")
    done = next(line for line in lines if line["logger"] == "mutua.request")
    assert inside["request_id"] == done["request_id"] == "abc123def456"
    assert done["message"].startswith("GET /pratiche/ 200") and PERSONAL["codice fiscale"] not in json.dumps(lines)


def test_an_id_the_proxy_sends_is_kept_only_if_it_looks_like_one(json_lines):
    for given, kept in (("abc123def456", True), ("x", False), ("<script>alert(1)</script>", False)):
        response = RequestIdMiddleware(lambda request: HttpResponse())(
            RequestFactory().get("/", HTTP_X_REQUEST_ID=given)
        )
        assert (response["X-Request-ID"] == given) is kept and len(response["X-Request-ID"]) >= 8


@pytest.mark.django_db
def test_the_worker_logs_the_id_of_the_request_that_queued_its_task(settings, json_lines, mailoutbox):
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS

    def view(request):
        email_queue(to="a@esempio.it", subject="s", body="b")
        return HttpResponse("ok")

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="queued-by-0001"))
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
    worker.run_task(DBTaskResult.objects.get())
    sent = next(line for line in json_lines() if line["logger"] == "mutua.outbox")
    assert sent["request_id"] == "queued-by-0001" and "sent at attempt 1" in sent["message"]
    assert OutboundMessage.objects.get().status == "sent"


def test_the_development_format_is_one_readable_scrubbed_line():
    record = logging.LogRecord("mutua.test", logging.INFO, __file__, 1, "mail to %s", (PERSONAL["e-mail"],), None)
    ContextFilter().filter(record)
    assert TextFormatter().format(record).endswith("INFO mutua.test [] mail to [e-mail]")


def test_health_probes_and_static_files_are_logged_only_at_debug(json_lines):
    for path in ("/healthz", "/readyz", "/static/css/portal.css"):
        RequestIdMiddleware(lambda request: HttpResponse())(RequestFactory().get(path))
    RequestIdMiddleware(lambda request: HttpResponse(status=404))(RequestFactory().get("/static/missing.css"))
    assert [line["message"].split()[1] for line in json_lines() if line["logger"] == "mutua.request"] == [
        "/static/missing.css"
    ]
