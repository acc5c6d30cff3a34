# ruff: noqa: E402
"""`make bench-tax`: the yearly communication to the Agenzia delle Entrate for 100 000 members (or BENCH_TAX_SIZES),
on PostgreSQL, timed end to end as the worker prepares it (rows in slices, figures, the streaming writer, the file
stored, its hash) and written to bench/results/tax-<date>.md.

    make bench-tax                                  # 100 000 members
    BENCH_TAX_SIZES=100000,1000000 make bench-tax   # and 1 000 000: the budget (≤ 2 minutes)

The database (BENCH_TAX_DB, default mutua_tax_bench on the PostgreSQL of BENCH_PG, default postgres@127.0.0.1:5432)
is created and migrated when missing and grown by bench/seed.py (additive: the 100 000-member database grows into the
1 000 000-member one); it is kept between runs (BENCH_TAX_DROP=1 drops it at the end).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _django_env(db_url: str) -> dict[str, str]:
    work = ROOT / "var" / "bench-tax"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": db_url,
        "DJANGO_DEBUG": "0",  # the production settings, as the worker runs
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_SECRET_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MUTUA_SEPA_IBAN": env("MUTUA_SEPA_IBAN", "IT25O0306909606100000012345"),
        "MUTUA_FISCAL_CODE": "00743110157",
        "MUTUA_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def measure(size: int) -> dict[str, object]:
    """Inside Django: prepare last year's communication as the worker does, and time it."""
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.utils import timezone

    from mutua.accounts.models import Role, User
    from mutua.tax.generation import communication_build
    from mutua.tax.models import CommunicationKind, TaxCommunication

    year = timezone.localdate().year - 1
    actor, _ = User.objects.get_or_create(username="bench.tax", defaults={"role": Role.SUPERVISOR})
    TaxCommunication.objects.filter(year=year).delete()
    communication = TaxCommunication.objects.create(
        year=year, version=1, kind=CommunicationKind.ORDINARY, created_by=actor
    )
    connection.force_debug_cursor = True
    reset_queries()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = communication_build(communication_id=communication.pk)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    queries = len(connection.queries)
    assert result is not None and result.status == "ready", result and result.error
    members = connection.cursor().execute("SELECT count(*) FROM members_member").fetchone()[0]
    return {
        "size": size,
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        "members_in_db": members,
        "year": year,
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "households": int(result.totals["members"]),
        "details": int(result.totals["details"]),
        "file_bytes": result.size,
        "queries": queries,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "contributions_same_year": result.totals["contributions_same_year"],
        "reimbursed_same_year": result.totals["reimbursed_same_year"],
        "reimbursed_earlier_years": result.totals["reimbursed_earlier_years"],
    }


def main() -> int:
    pg = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    db = env("BENCH_TAX_DB", "mutua_tax_bench")
    sizes = [int(s) for s in env("BENCH_TAX_SIZES", "100000").split(",")]
    py = sys.executable
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
            conn.execute(f'CREATE DATABASE "{db}"')
    denv = _django_env(f"{pg}/{db}")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=denv, check=True)  # noqa: S603
    results = []
    for size in sizes:
        t0 = time.perf_counter()
        seed = [py, "-m", "bench.seed", "--members", str(size)]
        subprocess.run(seed, cwd=ROOT, env=denv, check=True)  # noqa: S603 - our own commands
        seeded = round(time.perf_counter() - t0, 1)
        out = subprocess.run(  # noqa: S603 - our own command
            [py, "-c", f"import json, bench.tax as t; print(json.dumps(t.measure({size})))"],
            cwd=ROOT,
            env=denv,
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        figures["seed_seconds"] = seeded
        print(json.dumps(figures))
        results.append(figures)
    write_results(results)
    if os.environ.get("BENCH_TAX_DROP") == "1":
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return 0


def write_results(results: list[dict[str, object]]) -> Path:
    """Write the day's results file; sizes measured earlier the same day and not again are kept."""
    today = dt.date.today().isoformat()
    path = ROOT / "bench" / "results" / f"tax-{today}.md"
    if path.exists() and "```json" in (text := path.read_text(encoding="utf-8")):
        earlier = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
        again = {r["size"] for r in results}
        results = [r for r in earlier if r["size"] not in again] + results
        results.sort(key=lambda r: int(str(r["size"])))
    lines = [
        f"# The yearly communication to the Agenzia delle Entrate — {today}",
        "",
        "`make bench-tax` (bench/tax.py): last year's file prepared as the worker prepares it",
        "(`communication_build`: each table read once in member order, figures, the streaming writer, the file stored",
        "and hashed), on the local PostgreSQL, data from bench/seed.py (per member: contributions by direct debit for",
        "three years, family members for about 40 %, 5 claims with settlements). Budget: 1 000 000 members ≤ 2 min.",
        "",
        "| members | households in the file | detail records | file | wall | CPU | queries | peak RSS | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        size = int(str(r["size"]))
        budget = 120 * size / 1_000_000
        verdict = "held" if float(str(r["seconds"])) <= budget else "missed"
        verdict += f" (≤ {budget:.0f} s pro rata)" if size != 1_000_000 else " (≤ 120 s)"
        lines.append(
            f"| {size:,} | {int(str(r['households'])):,} | {int(str(r['details'])):,} | "
            f"{int(str(r['file_bytes'])) / 1e6:.1f} MB | {r['seconds']} s | {r['cpu_seconds']} s | {r['queries']} | "
            f"{r['peak_rss_mb']} MB | {verdict} |"
        )
    lines += ["", "Raw figures:", "", "```json", json.dumps(results, indent=2), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
