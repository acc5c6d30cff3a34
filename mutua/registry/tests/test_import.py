"""manage.py import_registry: the registry file, row by row, into members and beneficiaries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.test import RequestFactory

from mutua.accounts.backends import FirstAccessBackend
from mutua.accounts.models import Role, User
from mutua.accounts.passwords import first_access_password
from mutua.audit.models import AuditEvent
from mutua.members.models import Beneficiary, Member, MemberKind, PostalAddress, RegionalOffice
from mutua.members.tests.factories import make_cf, make_iban
from mutua.registry import bulk
from mutua.registry.files import COLUMNS
from mutua.registry.services import registry_import, registry_open

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "registry-example.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def offices() -> dict[str, RegionalOffice]:
    return {
        code: RegionalOffice.objects.create(
            code=code, name=f"Sede {region}", region=region, address="Via Test 1", phone="02 0000000", email="s@e.it"
        )
        for code, region in (("LOM", "Lombardia"), ("LAZ", "Lazio"), ("CAM", "Campania"))
    }


def member_row(n: int = 1, **overrides: str) -> dict[str, str]:
    """A valid member row; `n` makes code, names, CF and IBAN distinct."""
    first, last = ("Luca", "Romano") if n % 2 else ("Chiara", "Ricci")
    sex = "M" if n % 2 else "F"
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=400 * n)
    row = {
        "record": "member",
        "code": str(5000 + n),
        "kind": "ordinary",
        "fiscal_code": make_cf(first, last, sex, birth),
        "first_name": first,
        "last_name": last,
        "sex": sex,
        "birth_date": birth.isoformat(),
        "birth_place": "Milano",
        "residence_street": "Via Roma 1",
        "residence_cap": "20121",
        "residence_city": "Milano",
        "residence_province": "MI",
        "email": f"socio{n}@esempio.it",
        "mobile": "333 123 4567",
        "iban": make_iban(n),
        "account_holder": f"{first} {last}",
        "regional_office": "LOM",
    }
    return row | overrides


def beneficiary_row(member_code: str = "5001", **overrides: str) -> dict[str, str]:
    birth = dt.date(2012, 5, 4)
    row = {
        "record": "beneficiary",
        "member_code": member_code,
        "relationship": "child",
        "fiscal_code": make_cf("Sofia", "Romano", "F", birth),
        "first_name": "Sofia",
        "last_name": "Romano",
        "birth_date": birth.isoformat(),
    }
    return row | overrides


def row_of(member: Member, **overrides: str) -> dict[str, str]:
    """The registry row that describes `member` exactly as stored."""
    row = {
        "record": "member",
        "code": member.code,
        "kind": member.kind,
        "fiscal_code": member.fiscal_code,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "sex": member.sex,
        "birth_date": member.birth_date.isoformat(),
        "birth_place": member.birth_place,
        "residence_street": member.residence_street,
        "residence_cap": member.residence_cap,
        "residence_city": member.residence_city,
        "residence_province": member.residence_province,
        "email": member.email,
        "mobile": str(member.mobile),
        "iban": member.iban,
        "account_holder": member.account_holder,
    }
    return row | overrides


def write_csv(directory: Path, rows: list[dict[str, str]], *, name: str = "registro.csv", delimiter: str = ",") -> Path:
    path = directory / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_json(directory: Path, rows: list[Any], *, name: str = "registro.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def run_import(path: Path, *args: str) -> tuple[int, str]:
    """The command's exit code and everything it printed."""
    out = io.StringIO()
    try:
        call_command("import_registry", str(path), *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, f"{out.getvalue()}\n{exc}"
    return 0, out.getvalue()


def report_of(rows: list[dict[str, str]], **kwargs: Any) -> Any:
    directory = Path(tempfile.mkdtemp())
    path = write_csv(directory, rows)
    return registry_import(sources=[registry_open(path=path)], error_path=directory / "errori.csv", **kwargs)


# --- the documented example ----------------------------------------------------------------------------------


def test_example_file_imports_without_errors() -> None:
    code, output = run_import(EXAMPLE)

    assert code == 0, output
    assert "Soci: nuovi 3, modificati 0, invariati 0" in output
    assert "Familiari: nuovi 2, modificati 0, invariati 0" in output
    rossi = Member.objects.get(code="000000003423")
    assert rossi.beneficiaries.get().first_name == "Sofia"
    bianchi = Member.objects.get(code="000000007781")
    assert bianchi.kind == MemberKind.COLLECTIVE
    assert bianchi.birth_date == dt.date(1975, 11, 2)
    assert bianchi.postal_address == PostalAddress.DOMICILE
    assert bianchi.domicile_street == "Corso Vittorio Emanuele II, 45"
    assert bianchi.regional_office.code == "LAZ"


# --- creation ------------------------------------------------------------------------------------------------


def test_new_member_is_created_with_padded_code_and_normalised_values(tmp_path: Path) -> None:
    row = member_row(mobile="333 123 4567", iban=" " + make_iban(1).lower(), residence_province="mi")
    code, _ = run_import(write_csv(tmp_path, [row]))

    assert code == 0
    member = Member.objects.select_related("user", "regional_office").get()
    assert member.code == "000000005001"
    assert str(member.mobile) == "+393331234567"
    assert member.iban == make_iban(1)
    assert member.residence_province == "MI"
    assert member.regional_office.code == "LOM"
    assert member.email_verified_at is None and member.mobile_verified_at is None


def test_new_member_gets_a_user_without_usable_password(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, [member_row()]))

    user = User.objects.get(username="000000005001")
    assert user.member.code == "000000005001"
    assert user.role == Role.MEMBER
    assert user.first_access_completed_at is None
    assert not user.has_usable_password()


def test_imported_user_signs_in_only_with_the_first_access_password(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, [member_row()]))
    member = Member.objects.select_related("user").get()
    derived = first_access_password(username=member.code, fiscal_code=member.fiscal_code)
    request = RequestFactory().post("/account/login/")

    for password in ("", "Segreta123", derived, member.fiscal_code, "!"):
        assert ModelBackend().authenticate(request, username=member.code, password=password) is None
        assert not member.user.check_password(password)
    assert authenticate(request, username=member.code, password="Segreta123") is None
    assert FirstAccessBackend().authenticate(request, username=member.code, password=derived) == member.user
    assert FirstAccessBackend().authenticate(request, username=member.code, password=derived.lower()) is None


def test_italian_date_format_is_accepted(tmp_path: Path) -> None:
    row = member_row()
    birth = dt.date.fromisoformat(row["birth_date"])
    code, output = run_import(write_csv(tmp_path, [row | {"birth_date": birth.strftime("%d/%m/%Y")}]))

    assert code == 0, output
    assert Member.objects.get().birth_date == birth


def test_names_with_accents_and_apostrophes_are_accepted(tmp_path: Path) -> None:
    birth = dt.date(1981, 6, 9)
    row = member_row(
        first_name="Niccolò",
        last_name="D'Angelo",
        sex="M",
        birth_date=birth.isoformat(),
        fiscal_code=make_cf("Niccolò", "D'Angelo", "M", birth),
    )
    code, output = run_import(write_csv(tmp_path, [row]))

    assert code == 0, output
    assert Member.objects.get().last_name == "D'Angelo"


def test_member_born_before_the_century_guessed_by_the_decoder_is_accepted(tmp_path: Path) -> None:
    birth = dt.date(1924, 2, 1)  # the CF says "24", which python-codicefiscale decodes as 2024
    row = member_row(1, birth_date=birth.isoformat(), fiscal_code=make_cf("Luca", "Romano", "M", birth))

    code, output = run_import(write_csv(tmp_path, [row]))

    assert code == 0, output
    assert Member.objects.get().birth_date == birth


def test_beneficiary_may_come_before_its_member(tmp_path: Path) -> None:
    code, output = run_import(write_csv(tmp_path, [beneficiary_row(), member_row()]))

    assert code == 0, output
    assert Beneficiary.objects.get().member.code == "000000005001"


def test_beneficiary_of_a_member_already_in_the_database(tmp_path: Path, member: Member) -> None:
    code, output = run_import(
        write_csv(tmp_path, [beneficiary_row(member.code, first_name="Sofia", last_name="Romano")])
    )

    assert code == 0, output
    assert member.beneficiaries.filter(last_name="Romano").exists()


# --- bad rows ------------------------------------------------------------------------------------------------


def _broken_iban() -> str:
    iban = make_iban(2)
    return iban[:-1] + ("0" if iban[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fiscal_code": "RMNLCU61A01F205X"}, "fiscal_code: Il codice fiscale non è valido"),
        ({"fiscal_code": "RMNLCU"}, "fiscal_code: Il codice fiscale deve avere 16 caratteri"),
        ({"birth_date": "1961-02-08"}, "fiscal_code: non corrisponde alla data di nascita"),
        ({"sex": "M"}, "fiscal_code: non corrisponde al sesso"),
        ({"birth_date": "31/02/1970"}, "birth_date: la data 31/02/1970 non esiste nel calendario"),
        ({"birth_date": "2999-01-01"}, "birth_date: data di nascita fuori dall'intervallo"),
        ({"iban": _broken_iban()}, "iban: L'IBAN non è valido"),
        ({"residence_province": "XX"}, "residence_province: sigla di provincia sconosciuta"),
        ({"residence_cap": "2012"}, "residence_cap: Il CAP è composto da 5 cifre"),
        ({"residence_city": ""}, "residence_city: campo obbligatorio quando l'indirizzo è indicato"),
        ({"postal_address": "domicile"}, "postal_address: è domicile, ma l'indirizzo di domicilio è vuoto"),
        ({"regional_office": "ZZZ"}, "regional_office: nessuna sede regionale con codice ZZZ"),
        ({"email": "socio@"}, "email: indirizzo email non valido"),
        ({"mobile": "02 1234 5678"}, "mobile: il numero non è un cellulare"),
        ({"mobile": "12"}, "mobile: numero di telefono non valido"),
        ({"code": "12a"}, "code: La username contiene solo cifre"),
        ({"code": "1234567890123"}, "code: La username ha al massimo 12 cifre"),
        ({"code": ""}, "code: campo obbligatorio"),
        ({"last_name": ""}, "last_name: campo obbligatorio"),
        ({"fiscal_code": ""}, "fiscal_code: campo obbligatorio"),
        ({"sex": ""}, "sex: campo obbligatorio"),
        ({"kind": "vip"}, "kind: valore non ammesso: usa ordinary, collective"),
        ({"relationship": "child"}, "relationship: colonna non prevista per una riga member"),
        ({"record": ""}, "record: campo obbligatorio"),
        ({"record": "socio"}, "record: deve essere member o beneficiary"),
        ({"first_name": "A" * 5000}, "first_name: al massimo 100 caratteri (ne ha 5000)"),
        ({"first_name": "<script>alert(1)</script>"}, "first_name: contiene caratteri non ammessi"),
        ({"residence_street": "Via Roma 1\x00"}, "residence_street: contiene caratteri non ammessi"),
    ],
)
def test_bad_member_row_is_reported_with_its_line_and_the_good_one_imported(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    bad = member_row(2, **overrides)
    code, output = run_import(write_csv(tmp_path, [member_row(1), bad]))

    assert code == 1
    assert f"riga 3: {message}" in output
    assert "Soci: nuovi 1," in output
    assert list(Member.objects.values_list("code", flat=True)) == ["000000005001"]
    assert not User.objects.filter(username="000000005002").exists()


def test_every_bad_row_is_reported_and_every_good_one_imported(tmp_path: Path) -> None:
    rows = [
        member_row(1),  # line 2
        member_row(2, fiscal_code="RSSMRA68C15F205X"),  # 3
        beneficiary_row("5001"),  # 4
        beneficiary_row("999999", fiscal_code=make_cf("Sofia", "Romano", "F", dt.date(2012, 5, 4))),  # 5
        member_row(3),  # 6
        beneficiary_row("5002"),  # 7
        member_row(4, first_name="", last_name=""),  # 8
    ]
    report = report_of(rows)

    errors = {issue.line: " ".join(issue.messages) for issue in report.errors}
    assert sorted(errors) == [3, 5, 7, 8]
    assert "nessun socio con matricola 000000999999" in errors[5]
    assert "il socio è alla riga 3 del file dei soci, che non è stata importata" in errors[7]
    assert "first_name: campo obbligatorio" in errors[8] and "last_name: campo obbligatorio" in errors[8]
    assert report.counts["members"].new == 2
    assert report.counts["beneficiaries"].new == 1
    assert Member.objects.count() == 2
    assert Beneficiary.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_date": "2012-05-05"}, "fiscal_code: non corrisponde alla data di nascita"),
        ({"relationship": "cousin"}, "relationship: valore non ammesso"),
        ({"relationship": ""}, "relationship: campo obbligatorio"),
        ({"member_code": ""}, "member_code: campo obbligatorio"),
        ({"sex": "M"}, "fiscal_code: non corrisponde al sesso"),
        ({"iban": make_iban(9)}, "iban: colonna non prevista per una riga beneficiary"),
    ],
)
def test_bad_beneficiary_row_is_reported(tmp_path: Path, overrides: dict[str, str], message: str) -> None:
    code, output = run_import(write_csv(tmp_path, [member_row(1), beneficiary_row(**overrides)]))

    assert code == 1
    assert f"riga 3: {message}" in output
    assert Member.objects.count() == 1
    assert not Beneficiary.objects.exists()


def test_beneficiary_with_the_members_own_fiscal_code_is_rejected(tmp_path: Path) -> None:
    member = member_row(1)
    row = beneficiary_row(
        fiscal_code=member["fiscal_code"],
        first_name=member["first_name"],
        last_name=member["last_name"],
        birth_date=member["birth_date"],
    )
    code, output = run_import(write_csv(tmp_path, [member, row]))

    assert code == 1
    assert "riga 3: fiscal_code: è il codice fiscale del socio" in output


def test_same_code_twice_in_a_file_is_an_error(tmp_path: Path) -> None:
    code, output = run_import(write_csv(tmp_path, [member_row(1), member_row(1, residence_street="Via Po 2")]))

    assert code == 1
    assert "riga 3: code: matricola già presente alla riga 2" in output
    assert Member.objects.get().residence_street == "Via Roma 1"


def test_fiscal_code_of_another_member_is_an_error(tmp_path: Path, member: Member) -> None:
    row = row_of(member, code="5001")
    code, output = run_import(write_csv(tmp_path, [row]))

    assert code == 1
    assert f"riga 2: fiscal_code: già registrato per il socio con matricola {member.code}" in output
    assert not Member.objects.filter(code="000000005001").exists()


def test_existing_user_with_the_code_is_not_taken_over(tmp_path: Path) -> None:
    User.objects.create_user(username="000000005001", password="Segreta123")
    code, output = run_import(write_csv(tmp_path, [member_row(1)]))

    assert code == 1
    assert "code: esiste già un utente 000000005001" in output
    assert not Member.objects.exists()


def test_a_database_failure_leaves_nothing_of_the_entity_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = bulk.insert_values

    def failing_insert(model: Any, rows: Any, **kwargs: Any) -> list[int]:
        if model is Member:
            raise IntegrityError("simulated")
        return original(model, rows, **kwargs)

    monkeypatch.setattr(bulk, "insert_values", failing_insert)
    code, output = run_import(write_csv(tmp_path, [member_row(1), member_row(2)]))

    assert code == 2
    assert "il database ha rifiutato il file: nessuna riga importata" in output
    assert not User.objects.filter(username__startswith="0000").exists()
    assert not Member.objects.exists()


# --- idempotence and updates ---------------------------------------------------------------------------------


def test_running_the_same_file_again_changes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [member_row(1), member_row(2), beneficiary_row("5001")])
    run_import(path)
    before = list(Member.objects.order_by("pk").values())
    users = list(User.objects.order_by("pk").values())

    code, output = run_import(path)

    assert code == 0
    assert "Soci: nuovi 0, modificati 0, invariati 2" in output
    assert "Familiari: nuovi 0, modificati 0, invariati 1" in output
    assert list(Member.objects.order_by("pk").values()) == before
    assert list(User.objects.order_by("pk").values()) == users


def test_running_the_example_twice_changes_nothing() -> None:
    run_import(EXAMPLE)
    code, output = run_import(EXAMPLE)

    assert code == 0
    assert "Soci: nuovi 0, modificati 0, invariati 3" in output
    assert "Familiari: nuovi 0, modificati 0, invariati 2" in output


def test_a_changed_address_updates_the_member(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, [member_row(1), member_row(2)]))
    moved = member_row(
        1, residence_street="Via Garibaldi 7", residence_cap="00184", residence_city="Roma", residence_province="RM"
    )

    code, output = run_import(write_csv(tmp_path, [moved, member_row(2)]))

    assert code == 0
    assert "Soci: nuovi 0, modificati 1, invariati 1" in output
    member = Member.objects.get(code="000000005001")
    assert (member.residence_street, member.residence_cap, member.residence_city, member.residence_province) == (
        "Via Garibaldi 7",
        "00184",
        "Roma",
        "RM",
    )


def test_a_changed_beneficiary_is_updated_not_duplicated(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, [member_row(1), beneficiary_row()]))

    code, output = run_import(write_csv(tmp_path, [member_row(1), beneficiary_row(relationship="other")]))

    assert code == 0
    assert "Familiari: nuovi 0, modificati 1, invariati 0" in output
    assert Beneficiary.objects.get().relationship == "other"


def test_empty_contacts_and_iban_keep_what_the_portal_has(tmp_path: Path, new_member: Member) -> None:
    row = row_of(new_member, email="", mobile="", iban="", account_holder="")

    report = report_of([row])

    assert report.counts["members"].unchanged == 1
    new_member.refresh_from_db()
    assert new_member.email and new_member.mobile and new_member.iban


def test_a_member_without_user_gets_one(tmp_path: Path) -> None:
    run_import(write_csv(tmp_path, [member_row(1)]))
    Member.objects.update(user=None)
    User.objects.filter(username="000000005001").delete()

    report = report_of([member_row(1)])

    assert report.counts["members"].changed == 1
    assert Member.objects.get().user.username == "000000005001"


# --- contacts the member verified ---------------------------------------------------------------------------


def test_verified_contacts_are_kept_and_reported_as_a_note(tmp_path: Path, member: Member) -> None:
    email, mobile = member.email, str(member.mobile)
    row = row_of(member, email="altro@esempio.it", mobile="347 000 1111", residence_street="Via Dante 3")

    code, output = run_import(write_csv(tmp_path, [row]))

    assert code == 0
    assert "riga 2: email: il socio l'ha verificata nel portale" in output
    assert "mobile: il socio l'ha verificato nel portale" in output
    member.refresh_from_db()
    assert (member.email, str(member.mobile)) == (email, mobile)
    assert member.email_verified_at is not None and member.mobile_verified_at is not None
    assert member.residence_street == "Via Dante 3"


def test_same_verified_email_in_other_case_is_not_a_change(member: Member) -> None:
    report = report_of([row_of(member, email=member.email.upper())])

    assert report.counts["members"].unchanged == 1
    assert not report.notes


def test_unverified_contacts_follow_the_registry(tmp_path: Path, new_member: Member) -> None:
    row = row_of(new_member, email="nuova@esempio.it", mobile="347 000 1111")

    report = report_of([row])

    assert report.counts["members"].changed == 1
    new_member.refresh_from_db()
    assert new_member.email == "nuova@esempio.it"
    assert str(new_member.mobile) == "+393470001111"


# --- JSON ----------------------------------------------------------------------------------------------------


def test_json_file_imports_like_the_csv(tmp_path: Path) -> None:
    member = member_row(1)
    member["code"] = 5001  # type: ignore[assignment]  # a number is accepted as well as a string
    path = write_json(tmp_path, [member, beneficiary_row(), {**member_row(2), "mobile": None}])

    code, output = run_import(path)

    assert code == 0, output
    assert "Soci: nuovi 2," in output
    assert "Familiari: nuovi 1," in output
    assert Member.objects.get(code="000000005002").mobile == ""
    assert "invariati 2" in run_import(path)[1]


def test_json_errors_name_the_position_in_the_list(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        [member_row(1), "not an object", member_row(2, iban="IT00"), {**member_row(3), "first_name": ["Luca"]}],
    )

    code, output = run_import(path)

    assert code == 1
    assert "riga 2: l'elemento non è un oggetto JSON" in output
    assert "riga 3: iban: L'IBAN non è valido" in output
    assert "riga 4: il campo first_name deve essere un testo o un numero" in output
    assert Member.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"record": "member"}', "Il JSON deve essere una lista di oggetti"),
        ("[{", "JSON non valido alla riga 1"),
        ('[{"record": "member", "codice": "1"}]', "Colonne sconosciute: 'codice'"),
    ],
)
def test_unreadable_json_is_a_file_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "registro.json"
    path.write_text(content, encoding="utf-8")

    code, output = run_import(path)

    assert code == 2
    assert message in output


# --- the file as a whole -------------------------------------------------------------------------------------


def test_semicolon_separated_csv_with_bom_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [member_row(1)], delimiter=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    code, output = run_import(path)

    assert code == 0, output
    assert Member.objects.count() == 1


def test_unknown_column_stops_the_import_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "registro.csv"
    path.write_text("record,code,cellulare\nmember,1,333\n", encoding="utf-8")

    code, output = run_import(path)

    assert code == 2
    assert "Colonne sconosciute: 'cellulare'" in output
    assert not AuditEvent.objects.exists()


def test_extra_cells_in_a_row_are_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [member_row(1)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("member,5002" + "," * len(COLUMNS) + "surplus\n")

    code, output = run_import(path)

    assert code == 1
    assert "riga 3: la riga ha più campi delle colonne dell'intestazione" in output


def test_line_numbers_count_quoted_new_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [member_row(1, residence_street="Via Roma 1\nscala B"), member_row(2, iban="IT00")])

    code, output = run_import(path)

    assert code == 1
    assert "riga 4: iban" in output
    assert Member.objects.get().residence_street == "Via Roma 1 scala B"


def test_missing_file_and_unknown_extension_exit_2(tmp_path: Path) -> None:
    assert run_import(tmp_path / "assente.csv")[0] == 2
    other = tmp_path / "registro.xlsx"
    other.write_bytes(b"PK")
    assert run_import(other)[0] == 2


def test_wrong_encoding_is_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [member_row(1, birth_place="Forlì")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))

    code, output = run_import(path)

    assert code == 2
    assert "--encoding" in output
    assert run_import(path, "--encoding", "cp1252")[0] == 0


# --- the command ---------------------------------------------------------------------------------------------


def test_exit_code_is_1_when_a_row_fails_and_0_with_allow_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [member_row(1), member_row(2, residence_province="XX")])

    code, output = run_import(path)
    assert code == 1
    assert "Righe con errori, non importate (1):" in output
    assert "Righe con errori: 1." in output

    code, output = run_import(path, "--allow-errors")
    assert code == 0
    assert "Soci: nuovi 0, modificati 0, invariati 1" in output
    assert "riga 3: residence_province" in output


def test_dry_run_reports_but_saves_nothing(tmp_path: Path) -> None:
    code, output = run_import(write_csv(tmp_path, [member_row(1), beneficiary_row()]), "--dry-run")

    assert code == 0
    assert "simulazione" in output
    assert "Soci: nuovi 1," in output and "Familiari: nuovi 1," in output
    assert not Member.objects.exists()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_one_audit_event_per_run_with_counts_and_no_personal_data(tmp_path: Path) -> None:
    rows = [member_row(1), member_row(2, iban="IT00"), beneficiary_row()]
    run_import(write_csv(tmp_path, rows), "--allow-errors")

    event = AuditEvent.objects.get()
    assert event.action == "registry.import"
    assert event.data["sources"] == ["registro.csv"]
    assert event.data["dry_run"] is False
    assert event.data["counts"]["members"] == {"new": 1, "changed": 0, "unchanged": 0, "invalid": 1, "missing": 0}
    assert event.data["counts"]["beneficiaries"] == {"new": 1, "changed": 0, "unchanged": 0, "invalid": 0, "missing": 0}
    assert event.data["errors"] == 1
    assert event.member is None
    dumped = json.dumps(event.data)
    for row in rows:
        for value in (row["fiscal_code"], row["first_name"], row["last_name"]):
            assert value not in dumped
