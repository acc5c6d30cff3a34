# ruff: noqa: E402
"""`make bench-registry`: the registry import's budget (≥ 2 000 rows/s on PostgreSQL, memory flat whatever the file).

    .venv/bin/python -m bench.registry                       # 10 000 then 100 000 members
    BENCH_REGISTRY_SIZES=1000000 .venv/bin/python -m bench.registry
    BENCH_REGISTRY_SIZES=1000000 BENCH_REGISTRY_RUNS=1 .venv/bin/python -m bench.registry   # the first import only

For each size it generates the registry's six files (bench/registry-files/, reused when already there) with valid
codici fiscali and IBANs: per member about 0.6 family members, one enrollment, three contributions (300 000 at
100 000 members). Then on a fresh PostgreSQL database (BENCH_REGISTRY_DB, default mutua_bench_registry, dropped at
the end) it runs `manage.py import_registry` as a separate process three times: the first import, the same files
again (which must write nothing) and a dry run. Wall time, rows per second and the process's peak memory (its
maximum resident set, from wait4) are printed and written to bench/results/registry-<date>.md.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import os
import random
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # pragma: no cover - set up Django before the model imports below
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

import psycopg
from schwifty import IBAN

from bench.seed import belfiore_codes, fiscal_code
from mutua.demo import names

ROOT = Path(__file__).resolve().parent.parent
FILES = ("sedi.csv", "forme.csv", "soci.csv", "familiari.csv", "adesioni.csv", "contributi.csv")
PLANS = (("BASE", "Piano Base", "240,00", "60,00"), ("PLUS", "Piano Plus", "480,00", "120,00"))
YEARS = (2024, 2025, 2026)


def env(name: str, default: str) -> str:
    return os.environ.get(name, "") or default


def generate(directory: Path, members: int, *, seed: int = 2026) -> dict[str, int]:
    """The six files of a registry of `members` members; returns the rows of each."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    places = belfiore_codes()
    provinces = list(names.CAPITAL_CAP)
    counts = dict.fromkeys(FILES, 0)
    handles = {name: (directory / name).open("w", encoding="utf-8", newline="") for name in FILES}
    out = {name: csv.writer(handle, delimiter=";") for name, handle in handles.items()}
    out["sedi.csv"].writerow(("code", "name", "region", "address", "phone", "email"))
    for region, code, _province, street, phone in names.REGIONAL_OFFICES:
        out["sedi.csv"].writerow((code, f"Sede {region}", region, street, phone, f"{code.lower()}@mutua.example"))
        counts["sedi.csv"] += 1
    out["forme.csv"].writerow(("code", "name", "yearly_fee", "family_fee", "reimbursement_pct", "waiting_days"))
    for code, name, fee, family_fee in PLANS:
        out["forme.csv"].writerow((code, name, fee, family_fee, "80", "90"))
        counts["forme.csv"] += 1
    out["soci.csv"].writerow(
        (
            "code",
            "fiscal_code",
            "first_name",
            "last_name",
            "sex",
            "birth_date",
            "residence_street",
            "residence_cap",
            "residence_city",
            "residence_province",
            "email",
            "mobile",
            "iban",
            "account_holder",
            "regional_office",
        )
    )
    out["familiari.csv"].writerow(
        ("member_code", "relationship", "fiscal_code", "first_name", "last_name", "birth_date")
    )
    out["adesioni.csv"].writerow(("member_code", "plan_code", "start_date", "beneficiaries"))
    out["contributi.csv"].writerow(
        (
            "code",
            "member_code",
            "plan_code",
            "year",
            "amount_due",
            "amount_paid",
            "family_part",
            "paid_on",
            "channel",
            "payer",
        )
    )
    offices = [office[1] for office in names.REGIONAL_OFFICES]
    for index in range(1, members + 1):
        sex = rng.choice("MF")
        first = rng.choice(names.MALE_NAMES if sex == "M" else names.FEMALE_NAMES)
        last = rng.choice(names.SURNAMES)
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
        province = rng.choice(provinces)
        cf = fiscal_code(first_name=first, last_name=last, sex=sex, birth=birth, belfiore=places[province])
        code = str(index)
        iban = str(IBAN.generate("IT", bank_code=rng.choice(names.BANK_CODES), account_code=f"{index:012d}"))
        out["soci.csv"].writerow(
            (
                code,
                cf,
                first,
                last,
                sex,
                birth.strftime("%d/%m/%Y"),
                f"{rng.choice(names.STREETS)} {rng.randrange(1, 200)}",
                names.CAPITAL_CAP[province],
                f"Comune {province}",
                province,
                f"socio{index}@esempio.it",
                f"{rng.choice(names.MOBILE_PREFIXES)} {rng.randrange(1000000, 9999999)}",
                iban,
                f"{first} {last}",
                rng.choice(offices),
            )
        )
        family: list[str] = []
        if rng.random() < 0.4:
            for relationship, years in (("spouse", rng.randrange(-5, 5)), ("child", 30 + rng.randrange(0, 10))):
                other_sex = "F" if sex == "M" else "M"
                kid_sex = rng.choice("MF")
                member_sex = other_sex if relationship == "spouse" else kid_sex
                first_name = rng.choice(names.MALE_NAMES if member_sex == "M" else names.FEMALE_NAMES)
                their_birth = min(birth + dt.timedelta(days=365 * years + index % 300), dt.date(2024, 12, 31))
                their_cf = fiscal_code(
                    first_name=first_name, last_name=last, sex=member_sex, birth=their_birth, belfiore=places[province]
                )
                if their_cf == cf or their_cf in family:
                    continue
                family.append(their_cf)
                out["familiari.csv"].writerow(
                    (code, relationship, their_cf, first_name, last, their_birth.strftime("%d/%m/%Y"))
                )
                counts["familiari.csv"] += 1
        plan, _name, fee, family_fee = rng.choice(PLANS)
        out["adesioni.csv"].writerow((code, plan, "01/01/2024", " ".join(family)))
        due = f"{int(fee.split(',')[0]) + len(family) * int(family_fee.split(',')[0])},00"
        family_part = f"{len(family) * int(family_fee.split(',')[0])},00"
        payroll = rng.random() < 0.3
        for year in YEARS:
            out["contributi.csv"].writerow(
                (
                    f"C{year}-{index:08d}",
                    code,
                    plan,
                    year,
                    due,
                    due,
                    family_part,
                    f"{rng.randrange(1, 28):02d}/01/{year}",
                    "payroll" if payroll else "direct",
                    "Datore di lavoro S.p.A." if payroll else f"{first} {last}",
                )
            )
            counts["contributi.csv"] += 1
    counts["soci.csv"] = counts["adesioni.csv"] = members
    for handle in handles.values():
        handle.close()
    return counts


def run_import(directory: Path, database_url: str, *extra: str) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak resident memory in MB and the summary of one `import_registry` process."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_SECRET_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # a Fernet key
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MUTUA_SEPA_IBAN": env("MUTUA_SEPA_IBAN", "IT25O0306909606100000012345"),  # a valid IBAN: deploy checks
        "REGISTRY_IMPORT_MAX_MB": "2048",
    }
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "manage.py",
            "import_registry",
            *(str(directory / name) for name in FILES),
            "--no-progress",
            "--allow-errors",
            "--errors",
            str(directory / "errori.csv"),
            *extra,
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import_registry failed:\n{output}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, output


def main() -> None:
    sizes = [int(n) for n in env("BENCH_REGISTRY_SIZES", "10000,100000").split(",")]
    server = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    database = env("BENCH_REGISTRY_DB", "mutua_bench_registry")
    database_url = f"{server}/{database}"
    lines = [f"# Registry import, {dt.date.today().isoformat()}", ""]
    lines += [
        "`make bench-registry` (bench/registry.py) on this machine: 2 cores shared with other work, PostgreSQL 15 "
        "local, `manage.py import_registry` of the six generated files as one process, production settings "
        "(`DJANGO_DEBUG=0`). Rows per second count every row of every file; peak memory is the import process's "
        "maximum resident set; import CPU is the import process's own user + system time (PostgreSQL's work is in "
        "the wall time only); load is the machine's 1-minute load average when the run started.",
        "",
        "| members | rows (offices, plans, members, family, enrollments, contributions) | run | seconds | rows/s "
        "| import CPU s | peak MB | load before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for members in sizes:
        directory = ROOT / "bench" / "registry-files" / str(members)
        if not (directory / "contributi.csv").exists():
            print(f"generating {members:,} members…", flush=True)
            generate(directory, members)
        rows = [sum(1 for _ in (directory / name).open(encoding="utf-8")) - 1 for name in FILES]
        total = sum(rows)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
            admin.execute(f'CREATE DATABASE "{database}"')
        subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            check=True,
        )
        runs = (("first import", ()), ("same files again", ()), ("dry run", ("--dry-run",)))
        for label, extra in runs[: int(env("BENCH_REGISTRY_RUNS", "3"))]:
            load = os.getloadavg()[0]
            seconds, cpu, peak, output = run_import(directory, database_url, *extra)
            speed = total / seconds
            print(
                f"{members:,} members, {label}: {total:,} rows in {seconds:.1f} s, {speed:,.0f} rows/s, "
                f"CPU {cpu:.1f} s, {peak} MB, load {load:.1f}"
            )
            print("\n".join(line for line in output.splitlines() if re.match(r"^(Soci|Contributi|Righe)", line)))
            lines.append(
                f"| {members:,} | {total:,} ({', '.join(f'{n:,}' for n in rows)}) | {label} | {seconds:.1f} | "
                f"{speed:,.0f} | {cpu:.1f} | {peak} | {load:.1f} |"
            )
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
    lines.append("")
    result = ROOT / "bench" / "results" / f"registry-{dt.date.today().isoformat()}.md"
    if result.exists():
        lines = [result.read_text(encoding="utf-8").rstrip(), "", *lines[2:]]
    result.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {result.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
