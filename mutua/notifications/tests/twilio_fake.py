"""A local stand-in for Twilio's Messages API on a real socket, speaking its request and response formats, and
sending its signed delivery reports (StatusCallback) to the address each message names."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
INVALID_NUMBER = "+393330000000"  # answered with Twilio's error 21211


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Twilio's X-Twilio-Signature, written here from Twilio's description, independently of the code under test."""
    payload = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()).decode()


class FakeTwilio:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.auth: list[str] = []
        self.answer_status: int | None = None  # force an HTTP status (500, 401…) for the next requests
        self.report: str | None = None  # a MessageStatus to send to the StatusCallback after accepting
        self.callbacks: list[int] = []  # HTTP statuses our webhook answered
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                fake.requests.append(fields)
                fake.auth.append(self.headers.get("Authorization", ""))
                expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                if self.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                    return self._json(404, self._error(20404, "The requested resource was not found", 404))
                if fake.answer_status == 401 or self.headers.get("Authorization") != expected:
                    return self._json(401, self._error(20003, "Authenticate", 401))
                if fake.answer_status is not None:
                    return self._json(fake.answer_status, self._error(20500, "Internal Server Error", 500))
                if fields.get("To") == INVALID_NUMBER:
                    text = f"The 'To' number {INVALID_NUMBER} is not a valid phone number."
                    return self._json(400, self._error(21211, text, 400))
                sid = "SM" + secrets.token_hex(16)
                self._json(201, fake.message_resource(sid, fields))
                if fake.report:
                    fake.send_report(fields["StatusCallback"], sid, fields, fake.report)

            def _error(self, code: int, message: str, status: int) -> dict[str, object]:
                return {
                    "code": code,
                    "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status,
                }

            def _json(self, status: int, payload: dict[str, object]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def message_resource(self, sid: str, fields: dict[str, str]) -> dict[str, object]:
        """The Message resource Twilio answers a create with (201)."""
        return {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": fields.get("Body", ""),
            "date_created": "Mon, 15 Jun 2026 08:30:00 +0000",
            "date_sent": None,
            "date_updated": "Mon, 15 Jun 2026 08:30:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": fields.get("From"),
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
            "to": fields.get("To"),
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }

    def report_params(self, sid: str, fields: dict[str, str], status: str, error_code: str = "") -> dict[str, str]:
        """The form Twilio POSTs to a StatusCallback for an SMS."""
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": fields.get("From", ""),
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": fields.get("To", ""),
        }
        if status in ("undelivered", "failed"):
            params["ErrorCode"] = error_code or "30003"
        return params

    def send_report(self, callback: str, sid: str, fields: dict[str, str], status: str) -> None:
        """POST the signed delivery report to our webhook, as Twilio does, after the create has been answered."""
        params = self.report_params(sid, fields, status)

        def post() -> None:
            time.sleep(0.3)  # the carrier's receipt comes after the create was answered
            request = urllib.request.Request(  # noqa: S310 (the test's own live server)
                callback,
                data=urllib.parse.urlencode(params).encode(),
                headers={
                    "X-Twilio-Signature": sign(callback, params),
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": "TwilioProxy/1.1",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                self.callbacks.append(response.status)

        threading.Thread(target=post, daemon=True).start()

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
