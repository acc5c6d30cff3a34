"""In process: the PDFs members download and the member pages' first views, each for members never asked for before.

    python -m bench.pdfs --plan var/bench/rotation-100000.json --runs 30 --pages 200 --out pdfs.json

Members come from the rotation plan's `in_process` group (bench/rotation.py): chosen at random over the whole
database, disjoint from the members the load asked for, and each used once per measurement, so nothing kept from an
earlier request of the same member or document (the QR codes a PDF keeps per document, a receipt's verification
code recorded on its first download) can answer.

PDFs (receipt, card, contribution and subsidy certificates): `--runs` members each, one document per member.
`total` is what the view spends on it (the reads plus the layout, as the view calls it), `render` the PDF function
alone with its data already read (on `--runs` other members). The budget (any PDF rendered in at most 30 ms) is
checked on the p95 of `total`, the stricter of the two. A renderer that does not exist (or whose API changed) is
reported as not available.

Pages: `--pages` members, each signed in (Django's test client, production session engine), then one request to the
signed-in floor (the session's first request of the minute, which writes its activity record: reported on its own,
not counted in any page), then one first view of each member page: Panoramica, Lista pratiche, a claim of the
member's own, the map's search with the member's own question, the claim's receipt and the card. Per page: the CPU
time of the request in this process (median, p95), its wall time, its queries (each timed; the slowest kept) and the
member's number of claims, for the query-count budgets.
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
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


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "runs": len(ordered),
        "p50_ms": round(percentile(ordered, 50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 95) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (q in 0..100)."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


def _timed(call: Callable[[], bytes]) -> tuple[float, int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        content = call()
        seconds = time.perf_counter() - started
    return seconds, len(queries), content


# Each renderer gives, for one member, `total` (reads + layout, as the view calls it) and `layout`, which reads the
# data when called and returns the layout alone, to be timed; nothing is read before `total` is timed.
Renderer = tuple[Callable[[], bytes], Callable[[], Callable[[], bytes]]]


def _receipt(member: Member, claim: Claim) -> Renderer:
    from mutua.claims.receipts import receipt_pdf

    call = lambda: receipt_pdf(claim=claim)  # noqa: E731 - reads its claim again by design
    return call, lambda: call


def _card(member: Member, claim: Claim) -> Renderer:
    from mutua.plans.card import card_data, card_pdf
    from mutua.plans.selectors import active_enrollments

    today = timezone.localdate()

    def total() -> bytes:
        data = card_data(member=member, enrollments=active_enrollments(member=member, on=today), today=today)
        return card_pdf(data=data)

    def layout() -> Callable[[], bytes]:
        data = card_data(member=member, enrollments=active_enrollments(member=member, on=today), today=today)
        return lambda: card_pdf(data=data)

    return total, layout


def _contribution_certificate(member: Member, claim: Claim) -> Renderer:
    from mutua.plans.certificates import contribution_certificate_pdf
    from mutua.plans.selectors import certificate_years, contribution_certificate_for

    today = timezone.localdate()
    year = max(certificate_years(today=today))

    def total() -> bytes:
        summary = contribution_certificate_for(member=member, year=year)
        return contribution_certificate_pdf(member=member, summary=summary, today=today)

    def layout() -> Callable[[], bytes]:
        summary = contribution_certificate_for(member=member, year=year)
        return lambda: contribution_certificate_pdf(member=member, summary=summary, today=today)

    return total, layout


def _subsidy_certificate(member: Member, claim: Claim) -> Renderer:
    from mutua.claims.certificates import subsidy_certificate_pdf, subsidy_lines
    from mutua.claims.selectors import SubsidyBasis, subsidies_received

    today = timezone.localdate()
    year = claim.submitted_at.year if claim.submitted_at else today.year
    basis = SubsidyBasis.COMPETENCE

    def total() -> bytes:
        settlements = list(subsidies_received(member=member, basis=basis, year=year))
        lines = subsidy_lines(member=member, settlements=settlements)
        return subsidy_certificate_pdf(member=member, basis=basis, year=year, lines=lines, today=today)

    def layout() -> Callable[[], bytes]:
        settlements = list(subsidies_received(member=member, basis=basis, year=year))
        lines = subsidy_lines(member=member, settlements=settlements)
        return lambda: subsidy_certificate_pdf(member=member, basis=basis, year=year, lines=lines, today=today)

    return total, layout


RENDERERS = {
    "receipt": _receipt,
    "card": _card,
    "contribution_certificate": _contribution_certificate,
    "subsidy_certificate": _subsidy_certificate,
}


Pair = tuple[Member, Claim]


def measure(*, total_on: list[Pair], render_on: list[Pair], warm: Pair) -> dict[str, Any]:
    """Each PDF once per member: `total` on the first list, `render` (layout alone) on the second."""
    result: dict[str, Any] = {}
    for name, prepare in RENDERERS.items():
        try:
            warm_total, warm_layout = prepare(*warm)  # fonts, templates: once per process, not per document
            warm_total()
            warm_layout()()
            totals, renders, counts, sizes, pdf = [], [], [], [], True
            for member, claim in total_on:
                seconds, queries, content = _timed(prepare(member, claim)[0])
                totals.append(seconds)
                counts.append(queries)
                sizes.append(len(content))
                pdf = pdf and content.startswith(b"%PDF")
            for member, claim in render_on:
                layout = prepare(member, claim)[1]()  # its data read here, outside the timing
                renders.append(_timed(layout)[0])
            result[name] = {
                "members": len(total_on),
                "total": {**_summary(totals), "queries": max(counts), "queries_min": min(counts)},
                "render": _summary(renders),
                "bytes": int(statistics.median(sizes)),
                "pdf": pdf,
            }
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


FIRST_REQUEST = "session_first_request"  # the floor, as a session's first request of the minute
PAGES = ("floor_signed_in", "home", "claim_list", "claim_detail", "provider_search", "receipt_pdf", "card_pdf")


def page_paths(paths: dict[str, str], entry: dict[str, Any]) -> dict[str, str]:
    """Each page's path for one member (bench/rotation.py's path templates)."""
    return {
        page: paths["floor" if page == "floor_signed_in" else page]
        .replace("{claim}", str(entry["claim"]))
        .replace("{map}", entry.get("map", ""))
        for page in PAGES
    }


def page_queries(*, plan: dict[str, Any], entries: list[dict[str, Any]], warm: list[dict[str, Any]]) -> dict[str, Any]:
    """Every member page's first view, once per member of `entries`: CPU time (this process only: no wait for
    PostgreSQL or for a busy machine's scheduler, so the steadier figure on a shared machine), wall time, queries."""
    from django.conf import settings
    from django.test import Client

    from mutua.accounts.models import User

    users = User.objects.in_bulk(field_name="username", id_list=[e["username"] for e in [*warm, *entries]])
    client = Client(HTTP_HOST="127.0.0.1")  # one client: a new one would load the middleware again
    samples: dict[str, list[dict[str, Any]]] = {page: [] for page in (FIRST_REQUEST, *PAGES)}
    for n, entry in enumerate([*warm, *entries]):
        client.cookies = SimpleCookie()
        client.force_login(users[entry["username"]])
        assert settings.SESSION_COOKIE_NAME in client.cookies
        paths = page_paths(plan["paths"], entry)
        requests = [(FIRST_REQUEST, paths["floor_signed_in"]), *paths.items()]
        for page, path in requests:  # first, the session's activity record of this minute: apart from any page
            sample = _request(client, path)
            if n >= len(warm):  # the first members only warm the process (templates, connections)
                samples[page].append({**sample, "claims": entry.get("claims", 0), "member": entry["member"]})
    return {page: _page_summary(values) for page, values in samples.items()}


def _request(client: Any, path: str) -> dict[str, Any]:
    timed: list[tuple[float, str]] = []
    with connection.execute_wrapper(QueryTimer(timed)):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, secure=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    timed.sort(reverse=True)
    return {
        "status": response.status_code,
        "wall": wall,
        "cpu": cpu,
        "queries": len(timed),
        "sql_ms": sum(ms for ms, _ in timed),
        "slowest": [{"ms": round(ms, 2), "sql": sql[:600]} for ms, sql in timed[:3]],
    }


def _page_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    if not samples:
        return {"members": 0}
    cpu = sorted(s["cpu"] for s in samples)
    wall = sorted(s["wall"] for s in samples)
    queries = [s["queries"] for s in samples]
    by_claims: dict[int, int] = {}
    for s in samples:
        by_claims[s["claims"]] = max(by_claims.get(s["claims"], 0), s["queries"])
    heaviest = max(samples, key=lambda s: (s["queries"], s["sql_ms"]))
    return {
        "members": len({s["member"] for s in samples}),
        "requests": len(samples),
        "errors": sum(1 for s in samples if s["status"] != 200),
        "cpu_ms": round(statistics.median(cpu) * 1000, 2),
        "cpu_p95_ms": round(percentile(cpu, 95) * 1000, 2),
        "wall_ms": round(statistics.median(wall) * 1000, 2),
        "wall_p95_ms": round(percentile(wall, 95) * 1000, 2),
        "queries": max(queries),
        "queries_min": min(queries),
        "queries_by_claims": {str(k): v for k, v in sorted(by_claims.items())},
        "sql_ms": round(statistics.median(s["sql_ms"] for s in samples), 2),
        "slowest": heaviest["slowest"],
    }


WARM = 3  # members whose requests and documents only warm the process


def groups(entries: list[dict[str, Any]], *, runs: int, pages: int) -> dict[str, list[dict[str, Any]]]:
    """The in-process members split so that no member serves two measurements: warm-up, PDFs' totals, PDFs' layouts,
    pages."""
    needed = WARM + 2 * runs + pages
    if len(entries) < needed:
        raise SystemExit(f"bench: {needed} members are needed in process, the plan has {len(entries)}")
    return {
        "warm": entries[:WARM],
        "pdf_total": entries[WARM : WARM + runs],
        "pdf_render": entries[WARM + runs : WARM + 2 * runs],
        "pages": entries[WARM + 2 * runs : needed],
    }


def pairs(entries: list[dict[str, Any]]) -> list[Pair]:
    members = Member.objects.in_bulk([e["member"] for e in entries])
    claims = Claim.objects.in_bulk([e["claim"] for e in entries])
    return [(members[e["member"]], claims[e["claim"]]) for e in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PDF render timings and member pages' first views, in process")
    parser.add_argument("--plan", type=Path, required=True, help="the rotation plan (bench/rotation.py)")
    parser.add_argument("--runs", type=int, default=30, help="members (documents) per PDF")
    parser.add_argument("--pages", type=int, default=200, help="members whose pages are viewed once each")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    split = groups(plan["in_process"], runs=args.runs, pages=args.pages)
    warm = pairs(split["warm"])
    report = {
        "pdfs": measure(total_on=pairs(split["pdf_total"]), render_on=pairs(split["pdf_render"]), warm=warm[0]),
        "pages": page_queries(plan=plan, entries=split["pages"], warm=split["warm"]),
    }
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
