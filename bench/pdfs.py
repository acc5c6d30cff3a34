"""In-process timings of the PDFs members download: receipt, card, contribution and subsidy certificates.

    python -m bench.pdfs --plan var/bench/plan.json --runs 30 --out pdfs.json

For each document two timings over `--runs` runs (after one warm-up run): `total` is what the view spends on it
(the reads plus the layout, as the view calls it), `render` the PDF function alone with its data already read.
The budget (DESIGN.md: any PDF ≤ 30 ms to render) is checked on `total`, the stricter of the two. A renderer that
does not exist yet (built by another issue) is reported as not available.
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # pragma: no cover - set up Django before the model imports below
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mutua.claims.models import Claim
from mutua.members.models import Member


def _timings(call: Callable[[], bytes], runs: int) -> dict[str, Any]:
    content = call()  # warm-up: fonts, templates, first IssuedDocument row
    values = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(runs):
            started = time.perf_counter()
            content = call()
            values.append(time.perf_counter() - started)
    values.sort()
    return {
        "runs": runs,
        "p50_ms": round(values[len(values) // 2] * 1000, 2),
        "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2),
        "queries": len(queries) // runs,
        "bytes": len(content),
        "pdf": content.startswith(b"%PDF"),
    }


def _receipt(member: Member, claim: Claim) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    from mutua.claims.receipts import receipt_pdf

    call = lambda: receipt_pdf(claim=claim)  # noqa: E731 - reads its claim again by design
    return call, call


def _card(member: Member, claim: Claim) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    from mutua.plans.card import card_data, card_pdf
    from mutua.plans.selectors import active_enrollments

    today = timezone.localdate()

    def total() -> bytes:
        data = card_data(member=member, enrollments=active_enrollments(member=member, on=today), today=today)
        return card_pdf(data=data)

    data = card_data(member=member, enrollments=active_enrollments(member=member, on=today), today=today)
    return total, lambda: card_pdf(data=data)


def _contribution_certificate(member: Member, claim: Claim) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    from mutua.plans.certificates import contribution_certificate_pdf
    from mutua.plans.selectors import certificate_years, contribution_certificate_for

    today = timezone.localdate()
    year = max(certificate_years(today=today))

    def total() -> bytes:
        summary = contribution_certificate_for(member=member, year=year)
        return contribution_certificate_pdf(member=member, summary=summary, today=today)

    summary = contribution_certificate_for(member=member, year=year)
    return total, lambda: contribution_certificate_pdf(member=member, summary=summary, today=today)


def _subsidy_certificate(member: Member, claim: Claim) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    from mutua.claims.certificates import subsidy_certificate_pdf, subsidy_lines
    from mutua.claims.selectors import SubsidyBasis, subsidies_received

    today = timezone.localdate()
    year = claim.submitted_at.year if claim.submitted_at else today.year
    basis = SubsidyBasis.COMPETENCE

    def total() -> bytes:
        settlements = list(subsidies_received(member=member, basis=basis, year=year))
        lines = subsidy_lines(member=member, settlements=settlements)
        return subsidy_certificate_pdf(member=member, basis=basis, year=year, lines=lines, today=today)

    lines = subsidy_lines(member=member, settlements=list(subsidies_received(member=member, basis=basis, year=year)))
    return total, lambda: subsidy_certificate_pdf(member=member, basis=basis, year=year, lines=lines, today=today)


RENDERERS = {
    "receipt": _receipt,
    "card": _card,
    "contribution_certificate": _contribution_certificate,
    "subsidy_certificate": _subsidy_certificate,
}


def measure(*, plan: dict[str, Any], runs: int) -> dict[str, Any]:
    spec = plan["users"][0]
    member = Member.objects.get(user__username=spec["username"])
    claim = Claim.objects.get(pk=spec["claim"])
    result: dict[str, Any] = {}
    for name, prepare in RENDERERS.items():
        try:
            total, render = prepare(member, claim)
            result[name] = {"total": _timings(total, runs), "render": _timings(render, runs)}
        except Exception as exc:  # not built yet, or its API changed: say so instead of failing the bench
            result[name] = {"missing": f"{type(exc).__name__}: {exc}"}
    return result


class QueryTimer:
    """A connection.execute_wrapper that records (milliseconds, SQL) of every query."""

    def __init__(self, timed: list[tuple[float, str]]) -> None:
        self.timed = timed

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timed.append(((time.perf_counter() - started) * 1000, sql))


def page_queries(*, plan: dict[str, Any], runs: int = 10) -> dict[str, Any]:
    """Each member page in process: its queries (count, time, slowest) and the Python CPU time of a request.

    CPU time (`process_time`, this process only) does not count the waits for PostgreSQL or for a busy machine's
    scheduler, so it compares pages with the floor even when the wall-clock figures are blurred by other load.
    """
    from django.test import Client

    spec = plan["users"][0]
    member = Member.objects.select_related("user").get(user__username=spec["username"])
    client = Client(HTTP_HOST="127.0.0.1")
    assert member.user is not None
    client.force_login(member.user)
    from bench.urls import FLOOR_PATH

    pages = {
        "floor_signed_in": "/" + FLOOR_PATH,
        "home": "/",
        "claim_list": "/pratiche/",
        "claim_detail": f"/pratiche/{spec['claim']}/",
        "receipt_pdf": f"/pratiche/{spec['claim']}/ricevuta.pdf",
    }
    if spec.get("provider_search"):
        pages["provider_search"] = spec["provider_search"][-1]
    if spec.get("card_pdf"):
        pages["card_pdf"] = spec["card_pdf"]
    result: dict[str, Any] = {}
    for name, path in pages.items():
        result[name] = _page_timing(client, path, runs)
    return result


def _page_timing(client: Any, path: str, runs: int) -> dict[str, Any]:
    client.get(path, secure=True)  # warm-up
    timed: list[tuple[float, str]] = []
    with connection.execute_wrapper(QueryTimer(timed)):
        response = client.get(path, secure=True)
    timed.sort(reverse=True)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(runs):
        client.get(path, secure=True)
    wall, cpu = (time.perf_counter() - wall) / runs, (time.process_time() - cpu) / runs
    return {
        "status": response.status_code,
        "wall_ms": round(wall * 1000, 2),
        "cpu_ms": round(cpu * 1000, 2),
        "queries": len(timed),
        "sql_ms": round(sum(ms for ms, _ in timed), 2),
        "slowest": [{"ms": round(ms, 2), "sql": sql[:600]} for ms, sql in timed[:3]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PDF render timings")
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    report = {"pdfs": measure(plan=plan, runs=args.runs), "pages": page_queries(plan=plan)}
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
