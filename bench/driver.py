"""The session phase: a few members sign in through the real form and submit a claim with files. Standard library only.

    python bench/driver.py --plan var/bench/plan.json --port 8765 --users 1,4,16 --session-seconds 10 --out s.json

Each virtual user signs in once (allauth's login form, CSRF token from the cookie) and keeps its session for the
whole run: 16 sign-ins, under allauth's 30 a minute per IP. At every concurrency level, for `--session-seconds`,
every user walks a member's visit (Panoramica, Lista pratiche, a claim, the map's search, the receipt, the card)
and then submits a claim with two 500 KB files through the draft flow; a phase ends between two steps once its time
is up and every user has made one whole visit.

wrk (bench/load.py) runs the closed-loop phases of single endpoints; this walk stays in Python because it is a
conversation, not a request repeated: each step reads the previous answer (the CSRF cookie, the draft's id from a
redirect, the summary's token) and two of them are multipart uploads.

Requests carry `X-Forwarded-Proto: https`, as from the TLS proxy production runs behind (SECURE_PROXY_SSL_HEADER), so
production settings (SSL redirect, secure cookies, CSRF referer checks) apply unchanged.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

GET_ENDPOINTS = (
    "floor",
    "floor_signed_in",
    "home",
    "claim_list",
    "claim_detail",
    "provider_search",
    "receipt_pdf",
    "card_pdf",
)
SESSION_STEPS = (
    "home",
    "claim_list",
    "claim_detail",
    "provider_search",
    "receipt_pdf",
    "card_pdf",
    "submit",
)


class BenchError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def location(self) -> str:
        """The redirect's path and query, to follow it on the same connection."""
        target = urlsplit(self.headers.get("Location", ""))
        return target.path + (f"?{target.query}" if target.query else "")


class Client:
    """One virtual user's browser: a connection kept open when the server allows it, cookies, the CSRF token."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.origin = f"https://{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        anonymous: bool = False,
    ) -> Response:
        sent = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "it",
            "Accept-Encoding": "gzip, deflate",  # as every browser asks
            "User-Agent": "mutua-bench",
        }
        if self.cookies and not anonymous:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent["Referer"] = self.origin + path
        sent.update(headers or {})
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=sent)
                raw = self.conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection between two requests: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if raw.will_close:
                self.conn.close()
            for header in raw.headers.get_all("Set-Cookie") or []:
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(header)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            if raw.headers.get("Content-Encoding") == "gzip":  # read as a browser reads it, after the timing
                data = gzip.decompress(data)
            return Response(raw.status, raw.headers, data, elapsed)
        raise BenchError("unreachable")

    def get(self, path: str, *, anonymous: bool = False) -> Response:
        return self.request("GET", path, anonymous=anonymous)

    def post(
        self, path: str, fields: dict[str, str], files: list[tuple[str, str, str, bytes]] | None = None
    ) -> Response:
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        if files is None:
            body = urlencode(fields).encode()
            return self.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content_type, data in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, body=b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/accounts/login/")
        if page.status != 200 or "csrftoken" not in self.cookies:
            raise BenchError(f"login page: HTTP {page.status}")
        answer = self.post("/accounts/login/", {"login": username, "password": password})
        if answer.status != 302 or urlsplit(answer.headers.get("Location", "")).path != "/":
            raise BenchError(f"sign-in of {username}: HTTP {answer.status} → {answer.headers.get('Location')}")


@dataclass
class VirtualUser:
    spec: dict[str, Any]
    client: Client
    files: list[tuple[str, str, str, bytes]]
    search_turn: int = 0
    submissions: int = 0
    visits: int = 0

    def path(self, endpoint: str, floor: str) -> str | None:
        spec = self.spec
        if endpoint in ("floor", "floor_signed_in"):
            return floor
        if endpoint == "home":
            return "/"
        if endpoint == "claim_list":
            return "/pratiche/"
        if endpoint == "claim_detail":
            return f"/pratiche/{spec['claim']}/"
        if endpoint == "receipt_pdf":
            return f"/pratiche/{spec['claim']}/ricevuta.pdf"
        if endpoint == "card_pdf":
            return spec.get("card_pdf")
        if endpoint == "provider_search":
            queries = spec.get("provider_search") or []
            if not queries:
                return None
            self.search_turn += 1
            return str(queries[self.search_turn % len(queries)])
        raise BenchError(endpoint)

    def fetch(self, endpoint: str, floor: str, record: Callable[[str, float, bool], None]) -> None:
        path = self.path(endpoint, floor)
        if path is None:
            return
        answer = self.client.get(path, anonymous=endpoint == "floor")
        ok = answer.status == 200 and (not path.endswith(".pdf") or answer.body.startswith(b"%PDF"))
        record(endpoint, answer.seconds, ok)

    def submit(self, record: Callable[[str, float, bool], None]) -> None:
        """The claim draft flow of the portal: start, the draft page, one document with two files, summary, send."""
        started = time.perf_counter()
        steps: list[tuple[str, Response, bool]] = []
        start = self.client.post("/rimborso/", {})
        match = re.fullmatch(r"/pratiche/(\d+)/bozza/", urlsplit(start.headers.get("Location", "")).path)
        steps.append(("submit:start", start, start.status == 302 and match is not None))
        if match:
            claim = match.group(1)
            draft = self.client.get(f"/pratiche/{claim}/bozza/")
            steps.append(("submit:draft_page", draft, draft.status == 200))
            self.submissions += 1
            upload = self.client.post(
                f"/pratiche/{claim}/documenti/",
                {
                    "doc_type": "fattura",
                    "number": f"B{self.submissions}/{time.strftime('%Y')}",
                    "issue_date": time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400 * 3)),
                    "amount": "123,45",
                    "provider_province": "MI",
                    "provider_name": "Poliambulatorio Bench",
                    "holder": "socio",
                    "notes": "",
                },
                files=self.files,
            )
            steps.append(("submit:upload_2x500KB", upload, upload.status == 302))
            summary = self.client.get(f"/pratiche/{claim}/invia/")
            token = re.search(rb'name="token" value="([0-9a-f-]{36})"', summary.body)
            steps.append(("submit:summary_page", summary, summary.status == 200 and token is not None))
            if token:
                sent = self.client.post(f"/pratiche/{claim}/invia/", {"token": token.group(1).decode()})
                steps.append(("submit:send", sent, sent.status == 302))
                if sent.status == 302:
                    done = self.client.get(sent.location())
                    steps.append(("submit:result_page", done, done.status == 200))
        for name, answer, ok in steps:
            record(name, answer.seconds, ok)
        record("submit (whole flow)", time.perf_counter() - started, all(ok for _, _, ok in steps) and len(steps) == 6)


@dataclass
class Recorder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def __call__(self, endpoint: str, seconds: float, ok: bool) -> None:
        with self.lock:
            if ok:
                self.samples.setdefault(endpoint, []).append(seconds)
            else:
                self.errors[endpoint] = self.errors.get(endpoint, 0) + 1
                self.samples.setdefault(endpoint, [])


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def summarize(recorder: Recorder, seconds: float) -> dict[str, dict[str, float]]:
    result = {}
    for endpoint, values in recorder.samples.items():
        ordered = sorted(values)
        result[endpoint] = {
            "requests": len(ordered),
            "errors": recorder.errors.get(endpoint, 0),
            "p50_ms": round(percentile(ordered, 50) * 1000, 2),
            "p95_ms": round(percentile(ordered, 95) * 1000, 2),
            "p99_ms": round(percentile(ordered, 99) * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else float("nan"),
            "throughput_rps": round(len(ordered) / seconds, 1),
        }
    return result


def run_phase(users: list[VirtualUser], seconds: float, body: Callable[[VirtualUser, Recorder], None]) -> dict:
    recorder = Recorder()
    deadline = time.perf_counter() + seconds
    failures: list[str] = []

    def loop(user: VirtualUser) -> None:
        try:
            while time.perf_counter() < deadline:
                body(user, recorder)
        except Exception as exc:  # a dead user ends its loop; the phase reports it
            failures.append(f"{user.spec['username']}: {exc!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(user,), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"seconds": round(elapsed, 2), "endpoints": summarize(recorder, elapsed), "failures": failures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mutua bench session phase")
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", default="1,4,16")
    parser.add_argument("--session-seconds", type=float, default=10.0, help="each session phase")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    levels = [int(n) for n in args.users.split(",") if n]
    files = [
        ("files", Path(path).name, content_type, Path(path).read_bytes()) for path, content_type in plan["upload_files"]
    ]
    specs = plan["users"]
    if len(specs) < max(levels):
        raise BenchError(f"the plan has {len(specs)} users, {max(levels)} are needed")
    users = []
    for spec in specs[: max(levels)]:
        client = Client(args.host, args.port)
        client.sign_in(spec["username"], plan["password"])
        users.append(VirtualUser(spec=spec, client=client, files=files))
    floor = plan["floor"]
    available = {endpoint: bool(users[0].path(endpoint, floor)) for endpoint in GET_ENDPOINTS}
    phases: list[dict[str, Any]] = []
    for level in levels:
        crowd = users[:level]
        session_deadline = time.perf_counter() + args.session_seconds

        def visit(user: VirtualUser, recorder: Recorder, deadline: float = session_deadline) -> None:
            for step in SESSION_STEPS:
                # A visit is long: stop between steps once each user has made one whole visit (with its claim).
                if user.visits and time.perf_counter() >= deadline:
                    return
                if step == "submit":
                    user.submit(recorder)
                elif available[step]:
                    user.fetch(step, floor, recorder)
            user.visits += 1

        for user in crowd:
            user.visits = 0
        phase = run_phase(crowd, args.session_seconds, visit)
        phases.append({"kind": "session", "users": level, **phase})
        print(f"  {level:>2} users  session: {_line(phase['endpoints'].get('submit (whole flow)'))}", flush=True)
    args.out.write_text(
        json.dumps({"available": available, "phases": phases, "users": len(users)}, indent=2), encoding="utf-8"
    )
    return 0


def _line(stats: dict[str, float] | None) -> str:
    if not stats:
        return "no successful request"
    return (
        f"p50 {stats['p50_ms']:7.1f} ms  p95 {stats['p95_ms']:7.1f} ms  p99 {stats['p99_ms']:7.1f} ms  "
        f"{stats['throughput_rps']:7.1f} req/s  errors {stats['errors']}"
    )


if __name__ == "__main__":
    sys.exit(main())
