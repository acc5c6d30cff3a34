"""The registry bench's generated files are a valid registry: every row imports, and a second import changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.registry import FILES, generate
from mutua.plans.models import Contribution
from mutua.registry.services import registry_import, registry_open

pytestmark = pytest.mark.django_db


def test_the_generated_registry_imports_without_a_single_error(tmp_path: Path) -> None:
    counts = generate(tmp_path, 40)
    sources = [registry_open(path=tmp_path / name) for name in FILES]

    report = registry_import(sources=sources, error_path=tmp_path / "errori.csv")

    assert report.error_count == 0, [str(issue) for issue in report.errors]
    assert report.counts["members"].new == 40
    assert report.counts["contributions"].new == counts["contributi.csv"] == 120
    assert Contribution.objects.filter(channel="payroll").exists()

    again = registry_import(sources=[registry_open(path=tmp_path / name) for name in FILES])
    assert sum(c.new + c.changed for c in again.counts.values()) == 0
