"""`make bench`: seed PostgreSQL, serve the portal as in production, load it over 1 000+ members, report the budgets.

    .venv/bin/python bench/run.py            # 10 000 then 100 000 members
    BENCH_MEMBERS=2000 .venv/bin/python bench/run.py          # one small size, for development
    BENCH_MEMBERS=1000000 .venv/bin/python bench/run.py       # 10 000, 100 000, 1 000 000: the scale budget
    BENCH_SIZES=10000,100000,1000000 .venv/bin/python bench/run.py

Every knob is an environment variable (bench/README.md lists them). The database (BENCH_DB, default mutua_bench on
the local PostgreSQL) is dropped and created at the start and dropped at the end (BENCH_KEEP_DB=1 keeps it). For each
size: the seeder grows the database, bench/rotation.py signs in the members the load rotates over, wrk drives one
phase per endpoint (bench/load.py), bench/driver.py a few members' sessions with a claim submitted, bench/pdfs.py the
first views and the PDFs in process. Results go to bench/results/<date>.json and .md; the budgets are printed at the
end, each held, missed or not measured.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MEMBER_PAGES = ("home", "claim_list", "claim_detail")
LABELS = {
    "floor": "Floor (bare Django view)",
    "floor_signed_in": "Floor with a member's session",
    "session_first_request": "Floor with a member's session, its first request of the minute",
    "home": "Panoramica /",
    "claim_list": "Lista pratiche /pratiche/",
    "claim_detail": "Pratica /pratiche/<id>/",
    "provider_search": "Provider search (JSON)",
    "receipt_pdf": "Ricevuta PDF",
    "card_pdf": "Tessera PDF",
}
# The budgets (bench/README.md, "Budgets").
PAGE_QUERIES = 5  # a member page's first view, in process
PAGE_CPU_MS = 6.0  # median CPU of a member page's first view, in process
P95_MS = 15.0  # member pages and provider search, at 1 user
PAGE_FLOOR_SHARE = 0.10  # member pages' throughput against the floor's
SEARCH_FLOOR_SHARE = 0.25  # provider search's throughput against the floor's
PDF_MS = 30.0  # any PDF, reads + layout, p95
SCALE_FACTOR = 1.25  # p95 at 1 user at 1 000 000 members against 10 000
MIN_ROTATION = 1000  # distinct members a phase rotates over
BUDGET_USERS = 1  # p95 and throughput verdicts: the closed loop with one user, each request served alone
QUERY_PAGES = ("home", "claim_list", "claim_detail", "provider_search", "receipt_pdf", "card_pdf")


def env(name: str, default: str) -> str:
    return os.environ.get(name, "") or default


def sizes() -> list[int]:
    if os.environ.get("BENCH_SIZES"):
        return sorted({int(n) for n in os.environ["BENCH_SIZES"].split(",") if n.strip()})
    if os.environ.get("BENCH_MEMBERS"):
        n = int(os.environ["BENCH_MEMBERS"])
        return sorted({n, *(size for size in (10_000, 100_000) if size < n)}) if n > 10_000 else [n]
    return [10_000, 100_000]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Bench:
    ready_path = "/__bench__/floor/"  # answered 200 once gunicorn serves (bench.settings); prodcheck uses another

    def __init__(self) -> None:
        self.dir = ROOT / env("BENCH_DIR", "var/bench")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = int(env("BENCH_PORT", "8765"))
        self.db = env("BENCH_DB", "mutua_bench")
        self.server_url = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
        self.workers = int(env("BENCH_WORKERS", "2"))
        self.users = env("BENCH_USERS", "1,4,16")
        self.seconds = str(max(1, round(float(env("BENCH_SECONDS", "5")))))  # wrk takes whole seconds
        self.session_seconds = env("BENCH_SESSION_SECONDS", "10")
        self.pdf_runs = env("BENCH_PDF_RUNS", "30")
        self.rotation = int(env("BENCH_ROTATION", str(MIN_ROTATION)))
        self.page_members = int(env("BENCH_PAGE_MEMBERS", "200"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": f"{self.server_url}/{self.db}",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "MFA_SECRET_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # a Fernet key
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "RATE_LIMITS_ENABLED": "0",  # our own code/reset limits; sign-in happens once per virtual user
            "MUTUA_VAR_DIR": str(self.dir / "var"),
            "MEDIA_ROOT": str(self.dir / "media"),
            "STATIC_ROOT": str(self.dir / "static"),
            "MUTUA_PUBLIC_URL": f"https://127.0.0.1:{self.port}",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",  # no SMTP server on the bench machine
            # Redis for the cache, sessions and rate limits, as in production (its own database, emptied first).
            "REDIS_URL": env("BENCH_REDIS", "redis://127.0.0.1:6379/14"),
            "MUTUA_SEPA_IBAN": env("MUTUA_SEPA_IBAN", "IT25O0306909606100000012345"),  # a valid IBAN: deploy checks
            "LOG_LEVEL": "WARNING",
            "BENCH_DIR": str(self.dir),
            "PYTHONPATH": str(ROOT),
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.findings: list[str] = []

    # --- Steps ------------------------------------------------------------------------------------------------

    def sh(self, *args: str, quiet: bool = False) -> None:
        started = time.perf_counter()
        result = subprocess.run(args, cwd=ROOT, env=self.env, check=False)  # noqa: S603 - our own commands
        if result.returncode:
            raise SystemExit(f"bench: {' '.join(args)} failed ({result.returncode})")
        if not quiet:
            command = " ".join(Path(a).name if "/" in a else a for a in args[:4])
            log(f"  {command}: {time.perf_counter() - started:.1f} s")

    def database(self, *, create: bool) -> None:
        import psycopg

        try:
            with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
                if create:
                    conn.execute(f'CREATE DATABASE "{self.db}"')
        except psycopg.OperationalError as exc:
            raise SystemExit(f"bench: PostgreSQL is needed at {self.server_url} (BENCH_PG): {exc}")

    def redis_flush(self) -> None:
        """An empty cache: nothing cached by an earlier run over other data (providers, sessions) may answer."""
        import redis

        try:
            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        except redis.RedisError as exc:
            raise SystemExit(f"bench: Redis is needed at {self.env['REDIS_URL']} (BENCH_REDIS): {exc}")

    def collectstatic(self) -> list[str]:
        """Static files as production serves them; a failure of the production storage is a finding, not a stop."""
        command = [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"]
        result = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode == 0:
            return []
        reason = next((line for line in reversed(result.stderr.splitlines()) if "Error" in line), "failed")
        reason = reason.split(" with <")[0]  # without the storage object's repr
        finding = f"collectstatic fails with the production settings: {reason.strip()}"
        log(f"WARNING: {finding}. The bench goes on with bench.storage.TolerantStaticStorage.")
        self.env["BENCH_TOLERANT_STATIC"] = "1"
        self.sh(*command)
        return [finding]

    def start_server(self) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
        errors = open(self.dir / "server.log", "ab")  # noqa: SIM115 - closed with the process
        worker = subprocess.Popen(  # noqa: S603
            [PY, "manage.py", "db_worker"], cwd=ROOT, env=self.env, stdout=errors, stderr=errors, start_new_session=True
        )
        server = subprocess.Popen(  # noqa: S603
            [
                str(Path(PY).parent / "gunicorn"),
                "config.wsgi:application",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=errors,
            stderr=errors,
            start_new_session=True,  # its own process group: stop_server ends the workers with the master
        )
        self.procs = [server, worker]
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.ready_path, headers={"X-Forwarded-Proto": "https"})
                if conn.getresponse().status == 200:
                    return server, worker
            except OSError:
                time.sleep(0.3)
            if server.poll() is not None:
                break
        self.stop_server()
        raise SystemExit(f"bench: gunicorn did not start, see {self.dir / 'server.log'}")

    def stop_server(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # whatever the group left behind (a worker of a killed master)
        self.procs = []

    def run_size(self, members: int) -> dict[str, Any]:
        tag = f"{members}"
        plan, seeded = self.dir / f"plan-{tag}.json", self.dir / f"seed-{tag}.json"
        rotation, load = self.dir / f"rotation-{tag}.json", self.dir / f"load-{tag}.json"
        sessions, pdfs = self.dir / f"sessions-{tag}.json", self.dir / f"pdfs-{tag}.json"
        log(f"Data: {members:,} members")
        self.sh(PY, "-m", "bench.seed", "--members", str(members), "--plan", str(plan), "--out", str(seeded))
        in_process = 3 + 2 * int(self.pdf_runs) + self.page_members  # bench/pdfs.py's groups
        log(f"Sessions: {self.rotation:,} members for the load, {in_process} for the in-process figures")
        self.sh(
            PY, "-m", "bench.rotation", "--size", str(self.rotation), "--in-process", str(in_process),
            "--out", str(rotation),
        )  # fmt: skip
        server, worker = self.start_server()
        memory = MemorySampler(server.pid, worker.pid)
        memory.start()
        try:
            log(f"Load (wrk): users {self.users}, {self.seconds} s per endpoint, each request for the next member")
            self.sh(
                PY, str(ROOT / "bench" / "load.py"), "--rotation", str(rotation), "--port", str(self.port),
                "--users", self.users, "--seconds", self.seconds, "--out", str(load),
            )  # fmt: skip
            log(f"Sessions (sign-in through the form, a claim with two files): {self.session_seconds} s per level")
            self.sh(
                PY, str(ROOT / "bench" / "driver.py"), "--plan", str(plan), "--port", str(self.port),
                "--users", self.users, "--session-seconds", self.session_seconds, "--out", str(sessions),
            )  # fmt: skip
        finally:
            memory.stop()
            self.stop_server()
        log("In process: first views of the member pages, PDFs")
        self.sh(
            PY, "-m", "bench.pdfs", "--plan", str(rotation), "--runs", self.pdf_runs,
            "--pages", str(self.page_members), "--out", str(pdfs),
        )  # fmt: skip
        rotated = json.loads(rotation.read_text(encoding="utf-8"))
        driven = json.loads(sessions.read_text(encoding="utf-8"))
        return {
            "members": members,
            "seed": json.loads(seeded.read_text(encoding="utf-8")),
            "rotation": {
                "members": len(rotated["rotation"]),
                "distinct": len({e["member"] for e in rotated["rotation"]}),
                "in_process": len(rotated["in_process"]),
                "seconds": rotated["seconds"],
            },
            "phases": json.loads(load.read_text(encoding="utf-8"))["phases"],
            "session_phases": driven["phases"],
            "pdfs_and_pages": json.loads(pdfs.read_text(encoding="utf-8")),
            "memory": memory.report(),
        }

    def run(self) -> dict[str, Any]:
        started = time.time()
        wanted = sizes()
        log(f"Database {self.db}, sizes {', '.join(f'{n:,}' for n in wanted)}")
        self.database(create=True)
        self.redis_flush()
        (self.dir / "server.log").write_bytes(b"")
        try:
            self.sh(PY, "manage.py", "migrate", "--noinput", "-v", "0")
            self.findings = self.collectstatic()
            runs = [self.run_size(n) for n in wanted]
        finally:
            self.stop_server()
            if env("BENCH_KEEP_DB", "0") != "1":
                self.database(create=False)
        return {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "config": {
                "workers": self.workers,
                "worker_class": "sync",
                "users": self.users,
                "seconds_per_endpoint": float(self.seconds),
                "session_seconds": float(self.session_seconds),
                "pdf_runs": int(self.pdf_runs),
                "rotation": self.rotation,
                "page_members": self.page_members,
                "load_tool": wrk_version(),
            },
            "findings": self.findings,
            "runs": runs,
            "budgets": budgets(runs),
            "minutes": round((time.time() - started) / 60, 1),
        }


class MemorySampler(threading.Thread):
    """RSS (from /proc) of each gunicorn worker, the master and the task worker, sampled while the load runs."""

    def __init__(self, master: int, task_worker: int) -> None:
        super().__init__(daemon=True)
        self.master, self.task_worker = master, task_worker
        self.peak: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.halt = threading.Event()

    @staticmethod
    def rss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def children(pid: int) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def sample(self) -> None:
        now = {"gunicorn master": self.rss_kb(self.master), "db_worker": self.rss_kb(self.task_worker)}
        for n, pid in enumerate(self.children(self.master), start=1):
            now[f"gunicorn worker {n}"] = self.rss_kb(pid)
        for key, value in now.items():
            if value:
                self.last[key] = value
                self.peak[key] = max(self.peak.get(key, 0), value)

    def run(self) -> None:
        while not self.halt.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self.halt.set()

    def report(self) -> dict[str, dict[str, float]]:
        return {
            key: {"peak_mb": round(self.peak[key] / 1024, 1), "end_mb": round(self.last.get(key, 0) / 1024, 1)}
            for key in sorted(self.peak)
        }


# --- Budgets --------------------------------------------------------------------------------------------------


def _phase(run: dict[str, Any], endpoint: str, users: int) -> dict[str, Any] | None:
    """One load phase's figures, or None when it was not run or nothing succeeded."""
    for phase in run["phases"]:
        if phase["endpoint"] == endpoint and phase["users"] == users:
            return phase if phase["requests"] else None
    return None


def _levels(run: dict[str, Any]) -> list[int]:
    return sorted({p["users"] for p in run["phases"]})


def _share(stats: dict[str, Any], floor: dict[str, Any]) -> float:
    return stats["throughput_rps"] / floor["throughput_rps"] if floor["throughput_rps"] else 0.0


def _rotation_problem(stats: dict[str, Any]) -> str:
    """Why a phase's figure cannot be judged: it rotated over fewer members than the budgets ask, or had errors."""
    if stats["lines"] < MIN_ROTATION:
        return f"rotated over {stats['lines']} members, fewer than {MIN_ROTATION:,}"
    if stats["errors"]:
        return f"{stats['errors']} errors ({stats.get('first_error', '')})"
    return ""


def _verdict(ok: bool) -> str:
    return "held" if ok else "missed"


def _load_budgets(
    run: dict[str, Any], endpoint: str, *, share_budget: float, size: str, label: str = ""
) -> list[dict[str, Any]]:
    """p95 at 1 user and throughput against the floor at 1 user (the highest concurrency's beside it)."""
    label = label or LABELS[endpoint]
    users = BUDGET_USERS
    stats, floor = _phase(run, endpoint, users), _phase(run, "floor", users)
    p95_name = f"{label}: p95 ≤ {P95_MS:g} ms at {users} user ({size})"
    share_name = f"{label}: throughput ≥ {share_budget:.0%} of the floor's at {users} user ({size})"
    if stats is None or floor is None:
        if users not in _levels(run):
            why = f"no phase at {users} user (BENCH_USERS)"
        else:
            why = "no successful request" if floor else "the floor was not measured"
        return [{"budget": name, "status": "not measured", "detail": why} for name in (p95_name, share_name)]
    problem = _rotation_problem(stats)
    reach = f"{stats['distinct_members']:,} distinct members reached, each at most {stats['max_visits']}×"
    p95 = {
        "budget": p95_name,
        "value": stats["p95_ms"],
        "detail": f"p50 {stats['p50_ms']} ms; the floor's p95 {floor['p95_ms']} ms; {reach}",
        "status": "not measured" if problem else _verdict(stats["p95_ms"] <= P95_MS),
    }
    share = _share(stats, floor)
    high = max(_levels(run))  # there is at least the phase at `users`
    at_high, floor_high = _phase(run, endpoint, high), _phase(run, "floor", high)
    beside = (
        f"; at {high} users {_share(at_high, floor_high):.1%} ({at_high['throughput_rps']} against "
        f"{floor_high['throughput_rps']} req/s), as information"
        if high != users and at_high and floor_high
        else ""
    )
    throughput = {
        "budget": share_name,
        "value": round(share * 100, 1),
        "detail": f"{stats['throughput_rps']} req/s against the floor's {floor['throughput_rps']} req/s{beside}",
        "status": "not measured" if problem else _verdict(share >= share_budget),
    }
    if problem:
        p95["detail"] = throughput["detail"] = f"{problem}; " + p95["detail"]
    return [p95, throughput]


def _page_budgets(run: dict[str, Any], page: str, *, size: str) -> list[dict[str, Any]]:
    """Queries and median CPU of a member page's first view, in process."""
    label = LABELS[page]
    info = run["pdfs_and_pages"]["pages"].get(page) or {}
    queries_name = f"{label}: ≤ {PAGE_QUERIES} queries at a first view ({size})"
    cpu_name = f"{label}: CPU median ≤ {PAGE_CPU_MS:g} ms in process at a first view ({size})"
    if not info.get("members"):
        return [{"budget": name, "status": "not measured"} for name in (queries_name, cpu_name)]
    members = f"{info['members']} members, one first view each"
    problem = f"{info['errors']} answers other than 200; " if info.get("errors") else ""
    slowest = info["slowest"][0] if info.get("slowest") else None
    heaviest = f"; slowest query {slowest['ms']} ms" if slowest else ""
    return [
        {
            "budget": queries_name,
            "value": info["queries"],
            "detail": f"{problem}{info['queries_min']}–{info['queries']} over {members}{heaviest}",
            "status": "not measured" if problem else _verdict(info["queries"] <= PAGE_QUERIES),
        },
        {
            "budget": cpu_name,
            "value": info["cpu_ms"],
            "detail": f"{problem}p95 {info['cpu_p95_ms']} ms; wall median {info['wall_ms']} ms; {members}",
            "status": "not measured" if problem else _verdict(info["cpu_ms"] <= PAGE_CPU_MS),
        },
    ]


def _queries_bounded(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Queries per page bounded by a constant whatever the data volume: for every page measured in process, the
    members with the most claims need no more queries than those with the fewest, and the largest database needs no
    more than the smallest."""
    name = "Queries per page bounded by a constant whatever the data volume"
    grows: list[str] = []
    shown: list[str] = []
    measured = False
    for page in QUERY_PAGES:
        counts = []
        for run in runs:
            info = run["pdfs_and_pages"]["pages"].get(page) or {}
            by_claims = {int(k): v for k, v in (info.get("queries_by_claims") or {}).items()}
            if not by_claims:
                continue
            measured = True
            fewest, most = by_claims[min(by_claims)], by_claims[max(by_claims)]
            if most > fewest:
                grows.append(
                    f"{page} at {run['members']:,} members: {fewest} queries with {min(by_claims)} claims, "
                    f"{most} with {max(by_claims)}"
                )
            counts.append((run["members"], info["queries"]))
        if counts:
            (small, first), (large, last) = counts[0], counts[-1]
            if last > first:
                grows.append(f"{page}: {first} queries at {small:,} members, {last} at {large:,}")
            shown.append(f"{page} " + " → ".join(str(c) for _, c in counts))
    if not measured:
        return {"budget": name, "status": "not measured"}
    sizes_seen = sorted({run["members"] for run in runs})
    scope = (
        f"over {len(sizes_seen)} sizes and the members' own claims"
        if len(sizes_seen) > 1
        else "one size: over the members' own claims only"
    )
    return {
        "budget": name,
        "value": "; ".join(shown),
        "detail": ("grows: " + "; ".join(grows)) if grows else scope,
        "status": _verdict(not grows),
    }


def budgets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each budget of bench/README.md ("Budgets"): held, missed, or not measured, with the figures."""
    result: list[dict[str, Any]] = []
    if not runs:
        return result
    reference = next((r for r in runs if r["members"] == 100_000), runs[-1])
    size = f"{reference['members']:,} members"
    for page in MEMBER_PAGES:
        result += _page_budgets(reference, page, size=size)
        result += _load_budgets(reference, page, share_budget=PAGE_FLOOR_SHARE, size=size)
    providers = f"{LABELS['provider_search']} over {reference['seed']['counts'].get('providers', 0):,} providers"
    result += _load_budgets(reference, "provider_search", share_budget=SEARCH_FLOOR_SHARE, size=size, label=providers)
    for name, timing in reference["pdfs_and_pages"]["pdfs"].items():
        if "missing" in timing:
            result.append(
                {"budget": f"PDF {name}: ≤ {PDF_MS:g} ms", "status": "not measured", "detail": timing["missing"]}
            )
            continue
        total = timing["total"]
        result.append(
            {
                "budget": f"PDF {name}: p95 ≤ {PDF_MS:g} ms (reads + layout, one document per member)",
                "value": total["p95_ms"],
                "detail": f"p50 {total['p50_ms']} ms; layout alone p95 {timing['render']['p95_ms']} ms; "
                f"{total['runs']} members; {total['queries']} queries",
                "status": _verdict(total["p95_ms"] <= PDF_MS and timing.get("pdf", True)),
            }
        )
    result.append(_queries_bounded(runs))
    small, large = runs[0], runs[-1]
    real = large["members"] >= 1_000_000 and small["members"] <= 10_000
    note = "" if real else " (indicative: the budget compares 1,000,000 with 10,000)"
    for endpoint in MEMBER_PAGES:
        name = (
            f"{LABELS[endpoint]}: p95 at 1 user at {large['members']:,} members ≤ {SCALE_FACTOR}× at "
            f"{small['members']:,}{note}"
        )
        a, b = _phase(small, endpoint, BUDGET_USERS), _phase(large, endpoint, BUDGET_USERS)
        if a is None or b is None or small is large:
            result.append({"budget": f"{LABELS[endpoint]}: p95 growth with the data", "status": "not measured"})
            continue
        growth = b["p95_ms"] / a["p95_ms"] if a["p95_ms"] else float("inf")
        status = _verdict(growth <= SCALE_FACTOR)
        result.append(
            {
                "budget": name,
                "value": round(growth, 2),
                "detail": f"{a['p95_ms']} ms → {b['p95_ms']} ms",
                "status": status if real else f"{status} (indicative)",
            }
        )
    return result


# --- Report ---------------------------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|")


def markdown(results: dict[str, Any]) -> str:
    config = results["config"]
    lines = [
        f"# mutua bench — {results['date']}",
        "",
        f"Machine: {results['machine']['cpus']} CPU, Python {results['machine']['python']}, "
        f"{results['machine']['platform']}. gunicorn {config['workers']} sync workers, production settings (DEBUG "
        f"off), a `db_worker` running. Load: {config.get('load_tool', 'wrk')}, users {config['users']}, "
        f"{config['seconds_per_endpoint']:g} s per endpoint phase, each request for the next of "
        f"{config['rotation']:,} signed-in members; {config['session_seconds']:g} s per session phase. In process: "
        f"{config['page_members']} members' first views, {config['pdf_runs']} members per PDF. "
        f"Total {results['minutes']} min.",
        "",
        *(f"**Finding:** {finding}\n" for finding in results.get("findings", [])),
        "## Budgets",
        "",
        "| budget | value | status |",
        "|---|---|---|",
    ]
    for budget in results["budgets"]:
        value = budget.get("value", "")
        detail = f" ({budget['detail']})" if budget.get("detail") else ""
        lines.append(f"| {_cell(budget['budget'])} | {_cell(value)}{_cell(detail)} | **{budget['status']}** |")
    for run in results["runs"]:
        counts = run["seed"]["counts"]
        rotation = run["rotation"]
        lines += [
            "",
            f"## {run['members']:,} members",
            "",
            "Data: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" (seeding {run['seed']['seconds']} s).",
            f"Signed in directly: {rotation['members']:,} members for the load ({rotation['distinct']:,} distinct), "
            f"{rotation['in_process']} others for the in-process figures ({rotation['seconds']} s).",
            "",
            "Load (wrk; closed loop; each request for the next member of the rotation):",
            "",
            "| endpoint | users | p50 ms | p95 ms | p99 ms | req/s | × floor req/s | members reached | max visits "
            "| errors |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for phase in run["phases"]:
            floor = _phase(run, "floor", phase["users"])
            ratio = f"{_share(phase, floor):.2f}" if floor else ""
            reached = f"{phase['distinct_members']:,}" if phase.get("distinct_members") else "—"
            errors = phase["errors"] if not phase.get("first_error") else f"{phase['errors']} ({phase['first_error']})"
            lines.append(
                f"| {LABELS.get(phase['endpoint'], phase['endpoint'])} | {phase['users']} | {phase['p50_ms']} | "
                f"{phase['p95_ms']} | {phase['p99_ms']} | {phase['throughput_rps']} | {ratio} | {reached} | "
                f"{phase['max_visits'] if phase.get('distinct_members') else '—'} | {_cell(errors)} |"
            )
        lines += ["", "Member sessions (each user: the pages above, then a claim with two 500 KB files):", ""]
        lines += ["| step | users | p50 ms | p95 ms | p99 ms | req/s | errors |", "|---|---|---|---|---|---|---|"]
        for phase in run["session_phases"]:
            for step, stats in phase["endpoints"].items():
                lines.append(
                    f"| {LABELS.get(step, step)} | {phase['users']} | {stats['p50_ms']} | {stats['p95_ms']} | "
                    f"{stats['p99_ms']} | {stats['throughput_rps']} | {stats['errors']} |"
                )
            for failure in phase["failures"]:
                lines.append(f"\nFailure at {phase['users']} users: {_cell(failure)}")
        lines += [
            "",
            "PDF generation in process, one document per member (ms):",
            "",
            "| document | members | p50 | p95 | layout alone p95 | queries |",
            "|---|---|---|---|---|---|",
        ]
        for name, timing in run["pdfs_and_pages"]["pdfs"].items():
            if "missing" in timing:
                lines.append(f"| {name} | not available: {_cell(timing['missing'])} | | | | |")
            else:
                total = timing["total"]
                lines.append(
                    f"| {name} | {total['runs']} | {total['p50_ms']} | {total['p95_ms']} | "
                    f"{timing['render']['p95_ms']} | {total['queries']} |"
                )
        lines += [
            "",
            "First views in process (Django's test client, signed in; each member once; CPU = this process only):",
            "",
            "| page | members | CPU median ms | CPU p95 ms | wall median ms | queries | SQL median ms | slowest |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for page, info in run["pdfs_and_pages"]["pages"].items():
            if not info.get("members"):
                continue
            slowest = info["slowest"][0] if info.get("slowest") else {"ms": "", "sql": ""}
            sql = _cell(slowest["sql"])[:160]
            queries = (
                f"{info['queries_min']}–{info['queries']}"
                if info["queries_min"] != info["queries"]
                else info["queries"]
            )
            lines.append(
                f"| {LABELS.get(page, page)} | {info['members']} | {info['cpu_ms']} | {info['cpu_p95_ms']} | "
                f"{info['wall_ms']} | {queries} | {info['sql_ms']} | {slowest['ms']} ms `{sql}` |"
            )
        lines += ["", "Memory (RSS, MB):", "", "| process | peak | end |", "|---|---|---|"]
        for proc, mem in run["memory"].items():
            lines.append(f"| {proc} | {mem['peak_mb']} | {mem['end_mb']} |")
    return "\n".join(lines) + "\n"


def wrk_version() -> str:
    try:
        result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    except OSError:
        return "wrk"
    return (result.stdout or result.stderr).split(" [")[0].strip() or "wrk"


def missing_tools() -> list[str]:
    """One line per tool `make bench` needs and this machine lacks, saying how to get it."""
    from bench.load import missing_tools as load_tools

    problems = load_tools()
    if not (Path(PY).parent / "gunicorn").exists():
        problems.append("bench: gunicorn is needed to serve the portal: make install")
    return problems


def main() -> int:
    problems = missing_tools()
    if problems:
        print(problems[0], file=sys.stderr)
        return 1
    bench = Bench()
    results = bench.run()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = env("BENCH_RESULT_NAME", dt.date.today().isoformat())
    (out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(markdown(results), encoding="utf-8")
    print()
    for budget in results["budgets"]:
        value = f" = {budget['value']}" if "value" in budget else ""
        detail = f" ({budget['detail']})" if budget.get("detail") else ""
        print(f"  [{budget['status'].upper():^20}] {budget['budget']}{value}{detail}")
    print(f"\nResults: bench/results/{stem}.json and bench/results/{stem}.md")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # bench.load, when run as a script
    sys.exit(main())
