"""The load driver against a stand-in server (stdlib), and the budget verdicts computed from its figures."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import driver, run


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


def test_an_endpoint_phase_counts_requests_and_checks_pdfs(server):
    client = driver.Client("127.0.0.1", server)
    user = driver.VirtualUser(spec={"username": "u", "claim": 7}, client=client, files=[])
    phase = driver.run_phase([user], 0.3, driver.EndpointLoop("receipt_pdf", "/__bench__/floor/"))
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


# --- Budgets ------------------------------------------------------------------------------------------------------


def _run(members: int, p95: float, rps: float, floor_rps: float = 1000.0, pdf_ms: float = 20.0) -> dict:
    def phase(endpoint: str, p95_ms: float, throughput: float) -> dict:
        stats = {"requests": 100, "errors": 0, "p50_ms": p95_ms / 2, "p95_ms": p95_ms, "p99_ms": p95_ms}
        return {"endpoint": endpoint, "users": 16, "endpoints": {endpoint: {**stats, "throughput_rps": throughput}}}

    phases = [phase("floor", 5, floor_rps)] + [
        phase(e, p95, rps) for e in ("home", "claim_list", "claim_detail", "provider_search")
    ]
    timing = {"p50_ms": pdf_ms, "p95_ms": pdf_ms}
    return {
        "members": members,
        "seed": {"counts": {"providers": 20000}},
        "endpoint_phases": phases,
        "pdfs_and_pages": {"pdfs": {"receipt": {"total": timing, "render": timing}, "card": {"missing": "no"}}},
    }


def _status(budgets: list[dict], start: str) -> list[str]:
    return [b["status"] for b in budgets if b["budget"].startswith(start)]


def test_budgets_hold_and_miss_on_the_reference_size():
    verdicts = run.budgets([_run(10_000, 20, 400), _run(100_000, 35, 200)])
    assert _status(verdicts, "Panoramica /: p95 ≤") == ["missed"]  # 35 ms at 100 000 members
    assert _status(verdicts, "Panoramica /: throughput") == ["missed"]  # 20 % of the floor
    assert _status(verdicts, "PDF receipt") == ["held"]
    assert _status(verdicts, "PDF card") == ["not measured"]
    growth = _status(verdicts, "Panoramica /: p95 at 100,000")
    assert growth == ["missed (indicative)"]  # 1.75×, and only the 1 000 000 run makes it the real budget


def test_the_scale_budget_compares_one_million_with_ten_thousand():
    verdicts = run.budgets([_run(10_000, 20, 400), _run(1_000_000, 24, 400)])
    assert _status(verdicts, "Lista pratiche /pratiche/: p95 at 1,000,000") == ["held"]  # 1.2×


@pytest.mark.parametrize(
    ("members", "expected"),
    [("2000", [2000]), ("100000", [10_000, 100_000]), ("1000000", [10_000, 100_000, 1_000_000])],
)
def test_bench_members_runs_the_smaller_reference_sizes_first(monkeypatch, members, expected):
    monkeypatch.delenv("BENCH_SIZES", raising=False)
    monkeypatch.setenv("BENCH_MEMBERS", members)
    assert run.sizes() == expected


def test_without_settings_the_bench_runs_ten_then_a_hundred_thousand(monkeypatch):
    monkeypatch.delenv("BENCH_SIZES", raising=False)
    monkeypatch.delenv("BENCH_MEMBERS", raising=False)
    assert run.sizes() == [10_000, 100_000]
