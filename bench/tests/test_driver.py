"""The session phase's driver against a stand-in server (stdlib)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import driver


class StandIn(BaseHTTPRequestHandler):
    """Answers like the portal's sign-in: a CSRF cookie on GET, a session cookie and a redirect on a good POST."""

    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        StandIn.seen.append(("GET", self.path, dict(self.headers), b""))
        if self.path == "/accounts/login/":
            self._answer(200, b"<form>", {"Set-Cookie": "csrftoken=tok123; Path=/; Secure"})
        else:
            self._answer(200, b"%PDF-1.4" if self.path.endswith(".pdf") else b"ok")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        StandIn.seen.append(("POST", self.path, dict(self.headers), body))
        if b"password=secret" in body and b"csrfmiddlewaretoken=tok123" in body:
            self._answer(302, headers={"Location": "/", "Set-Cookie": "sessionid=s1; Path=/; HttpOnly; Secure"})
        else:
            self._answer(200, b"wrong")


@pytest.fixture
def server():
    StandIn.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def test_sign_in_posts_the_csrf_token_and_keeps_the_session_cookie(server):
    client = driver.Client("127.0.0.1", server)
    client.sign_in("000000100031", "secret")
    assert client.cookies == {"csrftoken": "tok123", "sessionid": "s1"}
    method, path, headers, _ = StandIn.seen[1]
    assert (method, path) == ("POST", "/accounts/login/")
    assert headers["X-Forwarded-Proto"] == "https"  # as behind production's TLS proxy
    assert headers["Referer"] == f"https://127.0.0.1:{server}/accounts/login/"  # Django's CSRF check over HTTPS
    client.get("/pratiche/")
    assert "sessionid=s1" in StandIn.seen[-1][2]["Cookie"]
    client.get("/__bench__/floor/", anonymous=True)
    assert "Cookie" not in StandIn.seen[-1][2]


def test_a_wrong_password_stops_the_bench_with_the_reason(server):
    with pytest.raises(driver.BenchError, match="sign-in of 000000100031"):
        driver.Client("127.0.0.1", server).sign_in("000000100031", "nope")


def test_files_go_as_multipart_with_the_csrf_token(server):
    client = driver.Client("127.0.0.1", server)
    client.get("/accounts/login/")
    pdf = ("files", "a.pdf", "application/pdf", b"%PDF")
    client.post("/pratiche/1/documenti/", {"doc_type": "fattura"}, files=[pdf])
    _, _, headers, body = StandIn.seen[-1]
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="csrfmiddlewaretoken"\r\n\r\ntok123' in body
    assert b'name="files"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF' in body


def test_a_phase_counts_requests_and_checks_pdfs(server):
    client = driver.Client("127.0.0.1", server)
    user = driver.VirtualUser(spec={"username": "u", "claim": 7}, client=client, files=[])
    phase = driver.run_phase([user], 0.3, lambda u, record: u.fetch("receipt_pdf", "/__bench__/floor/", record))
    stats = phase["endpoints"]["receipt_pdf"]
    assert stats["requests"] > 0 and stats["errors"] == 0
    assert stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert StandIn.seen[-1][1] == "/pratiche/7/ricevuta.pdf"


def test_missing_endpoints_are_skipped_not_failed():
    user = driver.VirtualUser(spec={"username": "u", "claim": 7}, client=None, files=[])  # type: ignore[arg-type]
    assert user.path("card_pdf", "/f/") is None
    assert user.path("provider_search", "/f/") is None


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert driver.percentile(values, 50) == 50
    assert driver.percentile(values, 95) == 95
    assert driver.percentile(values, 99) == 99
    assert driver.percentile([3.0], 95) == 3.0
