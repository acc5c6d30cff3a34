"""The verdicts `make bench` gives from given figures, the sizes it runs, and its stop when a tool is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from bench import run

MEMBER_PAGES = ("home", "claim_list", "claim_detail")


def phase(endpoint: str, users: int, *, p95: float, rps: float, lines: int = 1000, errors: int = 0) -> dict:
    return {
        "endpoint": endpoint,
        "users": users,
        "requests": 500,
        "errors": errors,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 1.5,
        "max_ms": p95 * 2,
        "throughput_rps": rps,
        "lines": lines,
        "distinct_members": min(lines, 500),
        "max_visits": 1,
    }


def page(*, queries: int = 4, cpu: float = 5.0, by_claims: dict | None = None) -> dict:
    return {
        "members": 200,
        "requests": 200,
        "errors": 0,
        "cpu_ms": cpu,
        "cpu_p95_ms": cpu * 1.4,
        "wall_ms": cpu * 2,
        "wall_p95_ms": cpu * 3,
        "queries": queries,
        "queries_min": queries,
        "queries_by_claims": by_claims or {"1": queries, "5": queries, "10": queries},
        "sql_ms": 1.0,
        "slowest": [{"ms": 0.5, "sql": "SELECT 1"}],
    }


def a_run(
    members: int,
    *,
    p95: float = 10.0,
    rps: float = 150.0,
    floor_rps: float = 1000.0,
    search_rps: float = 300.0,
    queries: int = 4,
    cpu: float = 5.0,
    pdf_ms: float = 20.0,
    lines: int = 1000,
    errors: int = 0,
) -> dict:
    phases = []
    for users in (1, 16):
        phases.append(phase("floor", users, p95=1.0, rps=floor_rps))
        phases += [phase(e, users, p95=p95, rps=rps, lines=lines, errors=errors) for e in MEMBER_PAGES]
        phases.append(phase("provider_search", users, p95=p95, rps=search_rps, lines=lines))
    timing = {"runs": 30, "p50_ms": pdf_ms / 2, "p95_ms": pdf_ms, "max_ms": pdf_ms, "queries": 5}
    return {
        "members": members,
        "seed": {"counts": {"providers": 20000}},
        "phases": phases,
        "pdfs_and_pages": {
            "pdfs": {"receipt": {"total": timing, "render": timing, "pdf": True}, "card": {"missing": "no card"}},
            "pages": {p: page(queries=queries, cpu=cpu) for p in (*MEMBER_PAGES, "provider_search")},
        },
    }


def verdicts(runs: list[dict]) -> dict[str, dict]:
    return {b["budget"]: b for b in run.budgets(runs)}


def find(budgets: dict[str, dict], *words: str) -> dict:
    found = [b for name, b in budgets.items() if all(w in name for w in words)]
    assert len(found) == 1, (words, list(budgets))
    return found[0]


def test_member_pages_hold_every_budget_within_them():
    budgets = verdicts([a_run(100_000)])
    for label in ("Panoramica /", "Lista pratiche /pratiche/", "Pratica /pratiche/<id>/"):
        assert find(budgets, label, "≤ 5 queries")["status"] == "held"
        assert find(budgets, label, "CPU median ≤ 6 ms")["status"] == "held"
        assert find(budgets, label, "p95 ≤ 15 ms at 1 user")["status"] == "held"
        share = find(budgets, label, "throughput ≥ 10%")
        assert share["status"] == "held" and share["value"] == 15.0  # 150 req/s against the floor's 1 000
        assert "at 16 users 15.0%" in share["detail"] and "as information" in share["detail"]
    assert find(budgets, "Provider search", "20,000 providers", "≥ 25%")["status"] == "held"  # 30 %


def test_each_member_page_budget_misses_on_its_own_figure():
    budgets = verdicts([a_run(100_000, p95=16.0, rps=90.0, queries=6, cpu=6.5)])
    assert find(budgets, "Panoramica /", "≤ 5 queries")["status"] == "missed"
    assert find(budgets, "Panoramica /", "CPU median")["status"] == "missed"
    assert find(budgets, "Panoramica /", "p95 ≤ 15 ms")["status"] == "missed"
    assert find(budgets, "Panoramica /", "throughput ≥ 10%")["status"] == "missed"  # 9 %


def test_provider_search_needs_a_quarter_of_the_floor():
    budgets = verdicts([a_run(100_000, search_rps=240.0)])
    assert find(budgets, "Provider search", "≥ 25%")["status"] == "missed"
    assert find(budgets, "Provider search", "p95 ≤ 15 ms")["status"] == "held"


def test_a_phase_over_fewer_than_a_thousand_members_or_with_errors_is_not_judged():
    few = verdicts([a_run(100_000, lines=16)])
    assert find(few, "Panoramica /", "p95 ≤ 15 ms")["status"] == "not measured"
    assert "fewer than 1,000" in find(few, "Panoramica /", "p95 ≤ 15 ms")["detail"]
    failing = verdicts([a_run(100_000, errors=3)])
    assert find(failing, "Panoramica /", "throughput")["status"] == "not measured"


def test_budgets_are_judged_at_a_hundred_thousand_members_when_it_ran():
    budgets = verdicts([a_run(10_000, p95=30.0), a_run(100_000), a_run(1_000_000, p95=30.0)])
    assert find(budgets, "Panoramica /", "p95 ≤ 15 ms at 1 user (100,000 members)")["status"] == "held"


def test_pdfs_each_within_thirty_milliseconds():
    budgets = verdicts([a_run(100_000, pdf_ms=31.0)])
    assert find(budgets, "PDF receipt")["status"] == "missed"
    assert find(budgets, "PDF card")["status"] == "not measured"
    assert find(verdicts([a_run(100_000)]), "PDF receipt")["status"] == "held"


def test_queries_per_page_must_not_grow_with_the_database_or_the_members_claims():
    name = "Queries per page bounded"
    assert find(verdicts([a_run(10_000), a_run(100_000)]), name)["status"] == "held"
    grown = find(verdicts([a_run(10_000, queries=4), a_run(100_000, queries=5)]), name)
    assert grown["status"] == "missed" and "4 queries at 10,000 members, 5 at 100,000" in grown["detail"]
    per_claim = a_run(100_000)
    per_claim["pdfs_and_pages"]["pages"]["claim_list"] = page(queries=6, by_claims={"1": 4, "5": 5, "10": 6})
    growing = find(verdicts([per_claim]), name)
    assert growing["status"] == "missed" and "claim_list" in growing["detail"]
    assert "one size" in find(verdicts([a_run(100_000)]), name)["detail"]


def test_the_scale_budget_compares_one_million_with_ten_thousand_at_one_user():
    budgets = verdicts([a_run(10_000, p95=10.0), a_run(1_000_000, p95=12.0)])
    scale = find(budgets, "Lista pratiche", "at 1,000,000 members ≤ 1.25× at 10,000")
    assert scale["status"] == "held" and scale["value"] == 1.2
    missed = find(verdicts([a_run(10_000, p95=10.0), a_run(1_000_000, p95=13.0)]), "Panoramica /", "1.25×")
    assert missed["status"] == "missed"
    indicative = find(verdicts([a_run(10_000, p95=10.0), a_run(100_000, p95=13.0)]), "Panoramica /", "1.25×")
    assert indicative["status"] == "missed (indicative)"
    assert find(verdicts([a_run(2000)]), "Panoramica /", "growth")["status"] == "not measured"


def test_the_report_shows_every_verdict_and_phase():
    runs = [a_run(100_000)]
    for r in runs:
        r.update(
            {
                "rotation": {"members": 1000, "distinct": 1000, "in_process": 263, "seconds": 12.0},
                "session_phases": [],
                "memory": {},
            }
        )
        r["seed"]["seconds"] = 1.0
    results = {
        "date": "2026-12-07",
        "machine": {"cpus": 2, "python": "3.11", "platform": "Linux"},
        "config": {
            "workers": 2,
            "users": "1,16",
            "seconds_per_endpoint": 5.0,
            "session_seconds": 10.0,
            "pdf_runs": 30,
            "rotation": 1000,
            "page_members": 200,
            "load_tool": "wrk 4.1.0",
        },
        "minutes": 1.0,
        "runs": runs,
        "budgets": run.budgets(runs),
    }
    text = run.markdown(results)
    assert text.count("**held**") == sum(1 for b in results["budgets"] if b["status"] == "held")
    assert "| Panoramica / | 16 | 5.0 | 10.0 |" in text
    assert "cached" not in text.lower() and "DESIGN" not in text


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


def test_without_wrk_make_bench_stops_at_once_with_one_line(tmp_path):
    """Run as `make bench` runs it, with a PATH that has no wrk: one line on stderr, no traceback, nothing started."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {"PATH": str(bin_dir), "BENCH_DIR": str(tmp_path / "work"), "BENCH_DB": "mutua_bench_never_created"}
    result = subprocess.run(
        [sys.executable, str(run.ROOT / "bench" / "run.py")], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["bench: wrk is needed for the load phases: apt-get install -y wrk"]
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "work").exists()
    assert shutil.which("wrk", path=str(bin_dir)) is None
