"""The load phases: wrk's lines from the rotation, the spread a phase reached, and wrk itself with bench/rotate.lua
against a stand-in server (stdlib) that records which member every request was for."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import load

PATHS = {
    "floor": "/__bench__/floor/",
    "home": "/",
    "claim_list": "/pratiche/",
    "claim_detail": "/pratiche/{claim}/",
    "receipt_pdf": "/pratiche/{claim}/ricevuta.pdf",
    "card_pdf": "/adesioni/tessera/tessera.pdf",
    "provider_search": "/fornitori/mappa.json?{map}",
}


def plan(members: int) -> dict:
    rotation = [
        {"member": 100 + n, "session": f"s{n:04d}", "claim": 5000 + n, "map": f"bbox=9.{n:04d}%2C45.1%2C9.5%2C45.4"}
        for n in range(members)
    ]
    return {"paths": PATHS, "cookie": "sessionid", "rotation": rotation, "warmup": rotation[:2]}


def test_each_line_is_one_member_with_its_own_session_claim_and_question():
    rotation = plan(3)
    lines = load.lines_for("claim_detail", rotation["rotation"], rotation)
    assert lines == [
        "sessionid=s0000\t/pratiche/5000/",
        "sessionid=s0001\t/pratiche/5001/",
        "sessionid=s0002\t/pratiche/5002/",
    ]
    search = load.lines_for("provider_search", rotation["rotation"], rotation)
    assert search[1] == "sessionid=s0001\t/fornitori/mappa.json?bbox=9.0001%2C45.1%2C9.5%2C45.4"
    assert load.lines_for("floor_signed_in", rotation["rotation"], rotation)[2] == "sessionid=s0002\t/__bench__/floor/"
    assert load.lines_for("floor", rotation["rotation"], rotation) == ["\t/__bench__/floor/"]  # no member, no cookie


def test_coverage_counts_the_lines_reached_and_the_repeats():
    assert load.coverage([{"first": 0, "issued": 250, "lines": 1000}]) == {
        "lines": 1000,
        "distinct": 250,
        "max_visits": 1,
    }
    assert load.coverage([{"first": 900, "issued": 1100, "lines": 1000}]) == {
        "lines": 1000,
        "distinct": 1000,
        "max_visits": 2,
    }
    two = [{"first": 0, "issued": 300, "lines": 1000}, {"first": 500, "issued": 300, "lines": 1000}]
    assert load.coverage(two) == {"lines": 1000, "distinct": 600, "max_visits": 1}


def test_summarize_reports_milliseconds_successes_and_errors_of_every_kind():
    raw = {
        "requests": 110,
        "duration_us": 2_000_000,
        "bytes": 1,
        "errors": {"connect": 0, "read": 1, "write": 0, "status": 10, "timeout": 0},
        "latency_us": {"min": 500, "mean": 1500.0, "max": 9000, "p50": 1200, "p95": 4000, "p99": 8000},
        "threads": [{"first": 0, "issued": 111, "bad": 10, "lines": 1000, "first_bad": "302 /accounts/login/"}],
    }
    stats = load.summarize(raw)
    assert stats["p50_ms"] == 1.2 and stats["p95_ms"] == 4.0 and stats["p99_ms"] == 8.0 and stats["max_ms"] == 9.0
    assert stats["throughput_rps"] == 50.0  # the 100 answered with 200 over two seconds
    assert stats["errors"] == 11 and stats["first_error"] == "302 /accounts/login/"
    assert stats["distinct_members"] == 111 and stats["max_visits"] == 1


def test_a_missing_wrk_is_one_line_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert load.missing_tools() == ["bench: wrk is needed for the load phases: apt-get install -y wrk"]


# --- wrk and bench/rotate.lua against a stand-in ------------------------------------------------------------------


class StandIn(BaseHTTPRequestHandler):
    """Answers 200 ("ok", or a PDF under .pdf) and records (cookie, path, headers); 302 for the session `refused`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: without it each answer waits for an ACK
    seen: list[tuple[str, str, dict[str, str]]] = []
    lock = threading.Lock()
    not_pdf = False

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        cookie = self.headers.get("Cookie", "")
        with StandIn.lock:
            StandIn.seen.append((cookie, self.path, dict(self.headers)))
        if cookie == "sessionid=refused":
            status, body, extra = 302, b"", {"Location": "/accounts/login/?next=/"}
        else:
            pdf = self.path.endswith(".pdf") and not StandIn.not_pdf
            status, body, extra = 200, b"%PDF-1.4 x" if pdf else b"<html>ok</html>", {}
        self.send_response(status)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # wrk drops its connections when its time is up


@pytest.fixture
def stand_in():
    StandIn.seen = []
    StandIn.not_pdf = False
    httpd = Quiet(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")


@needs_wrk
def test_a_phase_asks_for_each_of_a_thousand_members_in_turn_before_any_again(stand_in):
    rotation = plan(1000)
    stats = load.summarize(
        load.wrk(load.lines_for("home", rotation["rotation"], rotation), port=stand_in, users=1, seconds=2)
    )
    cookies = [cookie for cookie, _, _ in StandIn.seen]
    assert len(cookies) >= 50
    # Request n was for member n of the rotation, round after round: no member twice within 1 000 requests.
    assert cookies == [f"sessionid=s{n % 1000:04d}" for n in range(len(cookies))]
    # wrk's own count of the members reached: those asked for, plus at most the one in flight when the time ran out
    assert len(set(cookies)) <= stats["distinct_members"] <= len(set(cookies)) + 1
    assert stats["errors"] == 0 and stats["requests"] <= len(cookies) <= stats["requests"] + 1
    headers = StandIn.seen[0][2]
    assert headers["X-Forwarded-Proto"] == "https" and headers["Accept-Encoding"] == "gzip, deflate"


@needs_wrk
def test_several_connections_still_spread_over_distinct_members(stand_in):
    rotation = plan(1000)
    load.wrk(load.lines_for("claim_detail", rotation["rotation"], rotation), port=stand_in, users=4, seconds=1)
    seen = [(cookie, path) for cookie, path, _ in StandIn.seen]
    visits = Counter(cookie for cookie, _ in seen)
    # Spread evenly: no member asked for twice more than any other of the 1 000 (answers arrive in any order).
    assert max(visits.values()) - min(visits.get(f"sessionid=s{n:04d}", 0) for n in range(1000)) <= 1
    assert all(path == f"/pratiche/{5000 + int(cookie[-4:])}/" for cookie, path in seen)  # the member's own claim


@needs_wrk
def test_a_redirect_and_a_pdf_that_is_not_one_are_errors(stand_in):
    rotation = plan(3)
    rotation["rotation"][1]["session"] = "refused"
    stats = load.summarize(
        load.wrk(load.lines_for("home", rotation["rotation"], rotation), port=stand_in, users=1, seconds=1)
    )
    assert stats["errors"] >= stats["requests"] // 3 > 0
    assert stats["first_error"].startswith("302 /accounts/login/")
    assert stats["throughput_rps"] < stats["requests"] / stats["seconds"]

    StandIn.not_pdf = True
    bad_pdf = load.summarize(
        load.wrk(
            load.lines_for("card_pdf", plan(3)["rotation"], plan(3)), port=stand_in, users=1, seconds=1, mode="pdf"
        )
    )
    assert bad_pdf["errors"] == bad_pdf["requests"] > 0
