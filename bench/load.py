"""The load phases: wrk, one closed-loop phase per endpoint and concurrency, rotating over the signed-in members.

    python bench/load.py --rotation var/bench/rotation-100000.json --port 8765 --users 1,4,16 --seconds 5 \
        --out var/bench/load-100000.json

For each concurrency level (wrk connections; one wrk thread) and each endpoint, wrk asks for `--seconds` as fast as
the server answers, each request for the next member of the rotation (bench/rotation.py, at least 1 000 members):
the floor (no cookie), the floor with a member's session, Panoramica, Lista pratiche, a claim of the member's own,
the map's provider search with the member's own question, the claim's receipt and the member's card. wrk is a C
program on an event loop: unlike the threaded Python driver it replaces, it does not itself run out of CPU before
the floor does, so the floor it measures is the server's. bench/rotate.lua is its script; standard library only here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "rotate.lua"
ENDPOINTS = (
    "floor",
    "floor_signed_in",
    "home",
    "claim_list",
    "claim_detail",
    "provider_search",
    "receipt_pdf",
    "card_pdf",
)
PDF_ENDPOINTS = ("receipt_pdf", "card_pdf")
UA = "mutua-bench"  # the User-Agent of every request (bench/rotate.lua), as the sessions were recorded with
PRIME_MARGIN = 10.0  # seconds kept between a phase's end and the lapse of the activity records primed before it
INSTALL = {
    "wrk": "apt-get install -y wrk",
}


class LoadError(Exception):
    pass


def missing_tools() -> list[str]:
    """One line per tool the load needs and this machine lacks, saying how to install it."""
    return [
        f"bench: {tool} is needed for the load phases: {how}" for tool, how in INSTALL.items() if not shutil.which(tool)
    ]


def path_for(endpoint: str, entry: dict[str, Any], paths: dict[str, str]) -> str:
    """The path `endpoint` asks for on behalf of one member of the rotation."""
    template = paths["floor" if endpoint == "floor_signed_in" else endpoint]
    return template.replace("{claim}", str(entry["claim"])).replace("{map}", entry["map"])


def lines_for(endpoint: str, entries: list[dict[str, Any]], plan: dict[str, Any]) -> list[str]:
    """wrk's lines for one phase: `<Cookie>\\t<path>`, one per member in the rotation's order; the floor without a
    cookie is a single line (no member)."""
    if endpoint == "floor":
        return ["\t" + plan["paths"]["floor"]]
    return [f"{plan['cookie']}={e['session']}\t{path_for(endpoint, e, plan['paths'])}" for e in entries]


def coverage(threads: list[dict[str, int]]) -> dict[str, int]:
    """How a phase spread over the list: lines asked for at least once, and at most how many times one was.

    Each wrk thread asked for `issued` lines in order from `first`, going round the list of `lines` lines."""
    if not threads:
        return {"lines": 0, "distinct": 0, "max_visits": 0}
    size = threads[0]["lines"]
    visits = [0] * size
    for t in threads:
        full, rest = divmod(t["issued"], size)
        for k in range(size):
            visits[k] += full
        for k in range(rest):
            visits[(t["first"] + k) % size] += 1
    return {"lines": size, "distinct": sum(1 for v in visits if v), "max_visits": max(visits)}


def parse(stdout: str) -> dict[str, Any]:
    for line in stdout.splitlines():
        if line.startswith("BENCH_WRK "):
            return json.loads(line.removeprefix("BENCH_WRK "))
    raise LoadError(f"wrk printed no result: {stdout.strip()[-500:]}")


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    """The phase's figures from wrk's: milliseconds, successful requests per second, errors of every kind."""
    seconds = raw["duration_us"] / 1e6
    bad = sum(t["bad"] for t in raw["threads"])
    socket_errors = sum(raw["errors"][k] for k in ("connect", "read", "write", "timeout"))
    latency = raw["latency_us"]
    spread = coverage(raw["threads"])
    first_bad = next((t["first_bad"] for t in raw["threads"] if t["first_bad"]), "")
    return {
        "seconds": round(seconds, 2),
        "requests": raw["requests"],
        "errors": bad + socket_errors,
        **({"first_error": first_bad} if first_bad else {}),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p95_ms": round(latency["p95"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "throughput_rps": round(max(raw["requests"] - bad, 0) / seconds, 1) if seconds else 0.0,
        "lines": spread["lines"],
        "distinct_members": spread["distinct"] if spread["lines"] > 1 else 0,
        "max_visits": spread["max_visits"],
    }


def mode_of(endpoint: str) -> str:
    return "pdf" if endpoint in PDF_ENDPOINTS else "any"


def wrk(
    lines: list[str], *, port: int, users: int, seconds: int, mode: str = "any", host: str = "127.0.0.1"
) -> dict[str, Any]:
    """One phase: `users` connections on one wrk thread (one Lua state: one strict rotation) for `seconds`."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
        name = fh.name
    try:
        command = [
            "wrk", "-t1", f"-c{users}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA),
            f"http://{host}:{port}", "--", name, mode, "1",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 120)  # noqa: S603
        if result.returncode:
            raise LoadError(f"wrk failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-500:]}")
        return parse(result.stdout)
    finally:
        Path(name).unlink(missing_ok=True)


def prime(plan: dict[str, Any], *, port: int, host: str = "127.0.0.1", connections: int = 4) -> float:
    """Every member of the rotation makes one request, the floor with its session, and so gets the activity record of
    its minute (allauth's "Sessioni attive", written at most once a minute per session): the phases after it measure
    a member already moving between pages, the same way in every phase and at every size. Each line exactly once,
    which wrk cannot do (it runs for a time), so from Python. Returns when it began."""
    started = time.monotonic()
    floor = plan["paths"]["floor"]
    cookies = [f"{plan['cookie']}={e['session']}" for e in plan["rotation"]]

    def ask(share: list[str]) -> list[str]:
        failures = []
        for cookie in share:
            conn = http.client.HTTPConnection(host, port, timeout=60)
            try:
                conn.request("GET", floor, headers={"Cookie": cookie, "X-Forwarded-Proto": "https", "User-Agent": UA})
                status = conn.getresponse().status
            except OSError as exc:
                failures.append(repr(exc))
                continue
            finally:
                conn.close()
            if status != 200:
                failures.append(f"HTTP {status}")
        return failures

    with ThreadPoolExecutor(connections) as pool:
        failures = [f for part in pool.map(ask, [cookies[k::connections] for k in range(connections)]) for f in part]
    if failures:
        raise LoadError(f"priming the sessions: {len(failures)} of {len(cookies)} failed, the first: {failures[0]}")
    return started


def run(plan: dict[str, Any], *, port: int, levels: list[int], seconds: int) -> list[dict[str, Any]]:
    rotation = plan["rotation"]
    window = float(plan.get("activity_seconds", 60)) - PRIME_MARGIN
    for endpoint in ENDPOINTS:  # warm both workers (templates, connections) with members outside the rotation
        wrk(lines_for(endpoint, plan["warmup"], plan), port=port, users=4, seconds=1, mode=mode_of(endpoint))
    phases = []
    primed_at = float("-inf")
    for users in levels:
        for endpoint in ENDPOINTS:
            if endpoint != "floor" and time.monotonic() - primed_at + seconds > window:
                primed_at = prime(plan, port=port)
            raw = wrk(
                lines_for(endpoint, rotation, plan), port=port, users=users, seconds=seconds, mode=mode_of(endpoint)
            )
            phase = {"endpoint": endpoint, "users": users, **summarize(raw)}
            phases.append(phase)
            print(f"  {users:>2} users  {endpoint:<16} {line(phase)}", flush=True)
    return phases


def line(stats: dict[str, Any]) -> str:
    spread = f"  {stats['distinct_members']} members" if stats.get("distinct_members") else ""
    return (
        f"p50 {stats['p50_ms']:7.2f} ms  p95 {stats['p95_ms']:7.2f} ms  p99 {stats['p99_ms']:7.2f} ms  "
        f"{stats['throughput_rps']:7.1f} req/s  errors {stats['errors']}{spread}"
        + (f"  (first: {stats['first_error']})" if stats.get("first_error") else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mutua bench load phases (wrk)")
    parser.add_argument("--rotation", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", default="1,4,16")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    for problem in missing_tools():
        raise SystemExit(problem)
    plan = json.loads(args.rotation.read_text(encoding="utf-8"))
    levels = [int(n) for n in args.users.split(",") if n.strip()]
    try:
        phases = run(plan, port=args.port, levels=levels, seconds=max(1, args.seconds))
    except LoadError as exc:
        raise SystemExit(f"bench: {exc}") from None
    args.out.write_text(json.dumps({"phases": phases, "rotation": len(plan["rotation"])}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
