"""The registry's six files (offices, plans, members, family members, enrollments, contributions): the documented
examples, idempotent sync, the members' history, the dry run and every kind of bad input the issue lists."""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mutua.accounts.models import User
from mutua.audit.models import AuditEvent
from mutua.members.models import Beneficiary, Member, MemberChange, RegionalOffice
from mutua.plans.models import Contribution, ContributionChannel, ContributionMethod, Enrollment, Plan

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "registry"
FILES = ("sedi.csv", "forme.csv", "soci.csv", "familiari.csv", "adesioni.csv", "contributi.csv")
DATA_TABLES = (
    RegionalOffice,
    Plan,
    Member,
    Beneficiary,
    Enrollment,
    Enrollment.beneficiaries.through,
    Contribution,
    MemberChange,
    User,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A copy of the documented example files, to change."""
    directory = tmp_path / "registro"
    shutil.copytree(EXAMPLES, directory)
    return directory


def run(*args: object) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_registry", *[str(a) for a in args], "--no-progress", stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, f"{out.getvalue()}\n{exc}"
    return 0, out.getvalue()


def import_all(directory: Path, *args: object) -> tuple[int, str]:
    return run(*(directory / name for name in FILES), *args)


def table_counts() -> dict[str, int]:
    return {model._meta.db_table: model._default_manager.count() for model in DATA_TABLES}


def errors_in(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the documented examples -----------------------------------------------------------------------------------


def test_every_example_file_imports_every_entity(examples: Path) -> None:
    code, output = import_all(examples)

    assert code == 0, output
    assert "Sedi regionali: nuovi 3, modificati 0, invariati 0, non validi 0" in output
    assert "Forme di assistenza: nuovi 2," in output
    assert "Soci: nuovi 3," in output
    assert "Familiari: nuovi 1," in output
    assert "Adesioni: nuovi 3," in output
    assert "Contributi: nuovi 4," in output
    plan = Plan.objects.get(code="BASE")
    assert (plan.yearly_fee, plan.reimbursement_pct, plan.deductible, plan.waiting_days) == (
        Decimal("240.00"),
        Decimal("80.00"),
        Decimal("50.00"),
        90,
    )
    assert Plan.objects.get(code="PLUS").family_ceiling is None
    enrollment = Enrollment.objects.get(member__code="000000003423")
    assert [b.first_name for b in enrollment.beneficiaries.all()] == ["Sofia"]
    payroll = Contribution.objects.get(registry_code="C-2026-000002")
    assert payroll.channel == ContributionChannel.PAYROLL
    assert payroll.method == ContributionMethod.PAYROLL
    assert payroll.payer == "Alfa Costruzioni S.p.A."
    assert payroll.enrollment.plan.code == "BASE"
    direct = Contribution.objects.get(registry_code="C-2025-000001")
    assert (direct.amount_paid, direct.family_part, direct.paid_on.isoformat()) == (
        Decimal("600.00"),
        Decimal("120.00"),
        "2025-01-15",
    )


def test_json_example_imports_like_the_csv(examples: Path) -> None:
    import_all(examples)
    Contribution.objects.all().delete()

    code, output = run(examples / "contributi.json")

    assert code == 0, output
    assert "Contributi: nuovi 2," in output
    assert Contribution.objects.get(registry_code="C-2026-000002").amount_due == Decimal("120.00")


def test_the_files_may_be_given_in_any_order(examples: Path) -> None:
    code, output = run(*(examples / name for name in reversed(FILES)))

    assert code == 0, output
    assert Contribution.objects.count() == 4


# --- idempotent sync -------------------------------------------------------------------------------------------


def test_importing_the_same_files_again_writes_no_row(examples: Path) -> None:
    import_all(examples)
    before = table_counts()

    with CaptureQueriesContext(connection) as queries:
        code, output = import_all(examples)

    assert code == 0, output
    assert "Soci: nuovi 0, modificati 0, invariati 3, non validi 0" in output
    assert "Contributi: nuovi 0, modificati 0, invariati 4, non validi 0" in output
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "registry_import_seen" not in q["sql"]
        and AuditEvent._meta.db_table not in q["sql"]
    ]
    assert writes == []
    assert table_counts() == before


def test_a_changed_row_updates_only_that_member_and_is_kept_in_their_history(examples: Path) -> None:
    import_all(examples)
    untouched = Member.objects.get(code="000000120045").updated_at
    replace_line(examples / "soci.csv", "Via Roma 1;20121;Milano;MI", "Via Verdi 3;20121;Milano;MI")

    code, output = run(examples / "soci.csv")

    assert code == 0, output
    assert "Soci: nuovi 0, modificati 1, invariati 2, non validi 0" in output
    change = MemberChange.objects.get()
    assert (change.member.code, change.field, change.old_value, change.new_value) == (
        "000000003423",
        "residence_street",
        "Via Roma 1",
        "Via Verdi 3",
    )
    assert change.actor is not None and change.actor.username == "registro"
    assert not change.actor.is_active and not change.actor.has_usable_password()
    assert Member.objects.get(code="000000120045").updated_at == untouched


def test_a_changed_contribution_updates_only_that_contribution(examples: Path) -> None:
    import_all(examples)
    replace_line(examples / "contributi.csv", "600,00;300,00;120,00;15/01/2026", "600,00;600,00;120,00;15/01/2026")

    code, output = run(examples / "contributi.csv")

    assert "Contributi: nuovi 0, modificati 1, invariati 3, non validi 0" in output
    assert Contribution.objects.get(registry_code="C-2026-000001").amount_paid == Decimal("600.00")


def test_an_enrollment_losing_a_family_member_is_updated(examples: Path) -> None:
    import_all(examples)
    replace_line(examples / "adesioni.csv", "3423;PLUS;01/01/2024;;RSSSFO12E44F205A", "3423;PLUS;01/01/2024;;")

    code, output = run(examples / "adesioni.csv")

    assert "Adesioni: nuovi 0, modificati 1, invariati 2" in output
    assert not Enrollment.objects.get(member__code="000000003423").beneficiaries.exists()


def test_a_member_missing_from_a_full_export_is_flagged_never_deleted(examples: Path, today: object) -> None:
    import_all(examples)
    replace_line(
        examples / "soci.csv",
        next(line for line in (examples / "soci.csv").read_text().splitlines() if line.startswith("120045")) + "\n",
        "",
    )

    code, output = run(examples / "soci.csv", "--full")

    assert code == 0, output
    assert "assenti dal registro (segnalati) 1" in output
    missing = Member.objects.get(code="000000120045")
    assert missing.registry_missing_since == today
    assert Member.objects.filter(registry_missing_since__isnull=True).count() == 2

    code, output = import_all(EXAMPLES, "--full")

    assert Member.objects.get(code="000000120045").registry_missing_since is None
    assert not MemberChange.objects.exists()


def test_without_full_a_partial_file_flags_nobody(examples: Path) -> None:
    import_all(examples)
    (examples / "soci.csv").write_text(
        "\n".join((examples / "soci.csv").read_text().splitlines()[:2]) + "\n", encoding="utf-8"
    )

    run(examples / "soci.csv")

    assert not Member.objects.filter(registry_missing_since__isnull=False).exists()


def test_dry_run_prints_every_entity_and_writes_nothing(examples: Path) -> None:
    run(examples / "sedi.csv")
    before = table_counts()
    audit_before = AuditEvent.objects.count()

    code, output = import_all(examples, "--dry-run")

    assert code == 0, output
    assert "simulazione" in output
    assert "Sedi regionali: nuovi 0, modificati 0, invariati 3, non validi 0" in output
    assert "Soci: nuovi 3, modificati 0, invariati 0, non validi 0" in output
    assert "Contributi: nuovi 4, modificati 0, invariati 0, non validi 0" in output
    assert table_counts() == before
    assert AuditEvent.objects.count() == audit_before


# --- bad input -------------------------------------------------------------------------------------------------


BAD_ROWS = [
    ("contributi.csv", "C-2026-000003;120045;", "C-2026-000003;999999;", "member_code", "nessun socio con matricola"),
    ("familiari.csv", "3423;child;", "888888;child;", "member_code", "nessun socio con matricola 000000888888"),
    ("adesioni.csv", "120045;BASE;", "120045;GOLD;", "plan_code", "nessuna forma di assistenza con codice GOLD"),
    ("soci.csv", "SPSNTN59L28F839S", "SPSNTN59L28F839A", "fiscal_code", "codice fiscale"),
    ("soci.csv", "28/07/1959", "31/02/1959", "birth_date", "la data 31/02/1959 non esiste"),
    ("adesioni.csv", "120045;BASE;01/01/2020", "120045;BASE;31/02/2020", "start_date", "non esiste nel calendario"),
    ("contributi.csv", "240,00;0;0;;direct", "1.000,00;0;0;;direct", "amount_due", "separatore delle migliaia"),
    ("contributi.csv", "240,00;0;0;;direct", "-5;0;0;;direct", "amount_due", "non può essere negativo"),
    ("contributi.csv", "240,00;0;0;;direct", "240,00;0;0;;bonifico", "channel", "usa direct, payroll"),
]


@pytest.mark.parametrize(("name", "old", "new", "column", "reason"), BAD_ROWS)
def test_a_bad_row_is_in_the_error_file_with_its_line_and_the_others_are_imported(
    examples: Path, tmp_path: Path, name: str, old: str, new: str, column: str, reason: str
) -> None:
    path = examples / name
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if old in text)
    replace_line(path, old, new)
    errors = tmp_path / "errori.csv"

    code, output = import_all(examples, "--errors", errors)

    assert code == 1
    assert f"riga {line}:" in output
    [error] = [e for e in errors_in(errors) if e["file"] == name]
    assert (error["riga"], error["campo"]) == (str(line), column)
    assert reason in error["motivo"]
    assert Member.objects.count() >= 2  # the valid rows are imported


def test_a_repeated_row_is_an_error_on_the_second(examples: Path, tmp_path: Path) -> None:
    path = examples / "contributi.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")

    code, output = import_all(examples, "--errors", tmp_path / "e.csv")

    assert code == 1
    assert f"riga {len(lines) + 1}: code: contributo già presente alla riga 2." in output
    assert Contribution.objects.count() == 4


def test_comma_separated_file_with_columns_in_another_order_is_read(examples: Path) -> None:
    path = examples / "sedi.csv"
    path.write_text(
        "email,code,region,name,address,phone\nlombardia@mutua.example,LOM,Lombardia,Sede Lombardia,Via Dante 7,02 1\n",
        encoding="utf-8-sig",
    )

    code, output = run(path)

    assert code == 0, output
    assert RegionalOffice.objects.get(code="LOM").email == "lombardia@mutua.example"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "Il file è vuoto"),
        (b"\xef\xbb\xbf\r\n", "Il file è vuoto"),
        (b"code;name;region;address;phone\nLOM;Sede;Lombardia;Via 1;02 1\n", "Colonne obbligatorie mancanti: email"),
        (b"code;name;region;address;phone;email;fax\n", "Colonne sconosciute: 'fax'"),
        (
            "code;name;region;address;phone;email\nLOM;Sede Città;Lombardia;Via 1;02 1;a@b.it\n".encode("latin-1"),
            "UTF-8",
        ),
    ],
)
def test_an_unreadable_file_stops_before_any_row(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "sedi.csv"
    path.write_bytes(content)

    code, output = run(path)

    assert code == 2
    assert reason in output
    assert not RegionalOffice.objects.exists()


def test_a_latin1_file_is_read_with_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "sedi.csv"
    path.write_bytes(
        "code;name;region;address;phone;email\nLOM;Sede Città;Lombardia;Via 1;02 1;a@b.it\n".encode("latin-1")
    )

    code, output = run(path, "--encoding", "latin-1")

    assert code == 0, output
    assert RegionalOffice.objects.get().name == "Sede Città"


def test_a_file_of_a_gigabyte_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "soci.csv"
    with path.open("wb") as fh:
        fh.truncate(1024**3)  # sparse: no disk used

    code, output = run(path)

    assert code == 2
    assert "Il file è troppo grande: 1024 MB, il massimo è 512 MB" in output


def test_a_file_unreadable_halfway_leaves_nothing_of_its_entity(examples: Path, tmp_path: Path) -> None:
    """The bad byte is found after the first chunk of valid rows was written: the entity's transaction undoes it."""
    header = "code;name;region;address;phone;email\n"
    rows = "".join(f"S{n};Sede {n};Lombardia;Via {n};02 {n};s{n}@mutua.example\n" for n in range(2500))
    path = tmp_path / "sedi.csv"
    path.write_bytes((header + rows).encode() + "S9;Città;L;V;0;s@m.it\n".encode("latin-1"))

    code, output = run(path, examples / "forme.csv")

    assert code == 2
    assert "riga 2502" in output and "Nessuna riga di questo file è stata importata" in output
    assert not RegionalOffice.objects.exists()
    assert Plan.objects.count() == 2  # the other entity's file is imported


def test_an_unknown_file_name_needs_entity(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    shutil.copy(EXAMPLES / "sedi.csv", path)

    code, output = run(path)
    assert code == 2 and "Dal nome del file non si capisce" in output

    code, output = run(path, "--entity", "offices")
    assert code == 0, output
    assert RegionalOffice.objects.count() == 3
