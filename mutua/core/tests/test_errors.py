"""Error reports (sentry-sdk, as for Sentry or GlitchTip) carry the failure and the request id, never a member's
data: captured here by a fake transport, nothing leaves the machine."""

from __future__ import annotations

import json

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

from mutua.core.errors import sentry_init
from mutua.core.tests.urls_errors import PERSONAL


class Captured(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


@pytest.fixture
def reports():
    transport = Captured()
    sentry_init(dsn="https://public@glitchtip.mutua.example/1", environment="test", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off for the other tests


@pytest.mark.django_db
@pytest.mark.urls("mutua.core.tests.urls_errors")
def test_an_error_report_holds_the_failure_and_the_request_id_and_no_personal_data(reports):
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/boom/?cf={PERSONAL['codice fiscale']}&email={PERSONAL['e-mail']}",
        data={"iban": PERSONAL["IBAN"], "note": PERSONAL["file name"]},
        HTTP_X_REQUEST_ID="req-errors-0001",
        HTTP_COOKIE="sessionid=segreta",
        HTTP_USER_AGENT=f"browser of {PERSONAL['e-mail']}",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    assert reports.events, "no report captured"
    exceptions = [e for e in reports.events if e.get("exception")]
    assert exceptions and exceptions[0]["exception"]["values"][-1]["type"] == "ValueError"
    assert any(e.get("logentry") or e.get("logger") == "mutua.claims" for e in reports.events)  # the log error too
    for event in reports.events:
        sent = json.dumps(event, ensure_ascii=False)
        for what, value in PERSONAL.items():
            assert value not in sent, f"{what} sent in an error report"
        assert "segreta" not in sent and "user" not in event
        assert event["tags"]["request_id"] == "req-errors-0001"
        request = event.get("request", {})
        assert set(request) <= {"method", "url"} and "?" not in request.get("url", "")
        frames = [f for value in event.get("exception", {}).get("values", []) for f in value["stacktrace"]["frames"]]
        assert all("vars" not in frame for frame in frames)
    assert "[codice fiscale]" in json.dumps(exceptions[0]) and "[IBAN]" in json.dumps(exceptions[0])
