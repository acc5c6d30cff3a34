"""The 110 Italian provinces (after the 2025 Sardinian reform), read once from the bundled CSV."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CSV_PATH = Path(__file__).with_name("province_it.csv")


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    region: str
    capital: str
    lat: float
    lon: float


@cache
def provinces() -> dict[str, Province]:
    with CSV_PATH.open(encoding="utf-8") as fh:
        return {
            row["sigla"]: Province(
                row["sigla"], row["nome"], row["regione"], row["capoluogo"], float(row["lat"]), float(row["lon"])
            )
            for row in csv.DictReader(fh)
        }


def province_choices() -> list[tuple[str, str]]:
    return sorted(((p.code, f"{p.name} ({p.code})") for p in provinces().values()), key=lambda c: c[1])


def regions() -> list[str]:
    return sorted({p.region for p in provinces().values()})
