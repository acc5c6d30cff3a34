"""The fixed-width file: the layout table, every record's length, field positions and padding, the trailer's counts
and totals, the anomalies left out, and the golden file of the demo data."""

from __future__ import annotations

import datetime as dt
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper
from stdnum.it import codicefiscale
from stdnum.it.codicefiscale import calc_check_digit

from mutua.demo.generator import demo_generate
from mutua.members.validators import valid_fiscal_code
from mutua.tax import rows
from mutua.tax.figures import UNASSIGNED, ExpenseType, MemberFigures, PersonFigures, Reimbursed
from mutua.tax.layout import (
    DETAIL,
    HEADER,
    RECORD_LENGTH,
    RECORDS,
    TRAILER,
    Format,
    LayoutError,
    _reference_record,
    parse,
    record,
)
from mutua.tax.writer import AnomalyKind, Header, write_communication

D = Decimal
YEAR = 2025
GOLDEN = Path(__file__).parent / "golden" / "demo-2025.txt"
CF_MARIO = "RSSMRA85T10H501O"
CF_ANNA = "BNCNNA90C45F205N"


def header(kind: str = "O") -> Header:
    return Header(
        sender_cf="00743110157",
        sender_name="Mutua Esempio SMS",
        fund_type=1,
        year=YEAR,
        kind=kind,
        created_on=dt.date(2026, 2, 20),
        replaced_protocol="" if kind == "O" else "26022012345678901-000001",
    )


def household(**member: object) -> MemberFigures:
    mario = PersonFigures(member_id=1, beneficiary_id=None, fiscal_code=CF_MARIO, name="Rossi Mario")
    mario.contributions_same_year = D("240.00")
    mario.contributions_earlier_years = D("12.34")
    for key, value in member.items():
        setattr(mario, key, value)
    anna = PersonFigures(member_id=1, beneficiary_id=7, fiscal_code=CF_ANNA, name="Bianchi Anna")
    anna.contributions_same_year = D("60.00")
    anna.reimbursed = {
        (YEAR, ExpenseType.HEALTH): Reimbursed(YEAR, ExpenseType.HEALTH, spent=D("100.00"), paid=D("80.00")),
        (YEAR - 1, ExpenseType.SURGERY): Reimbursed(YEAR - 1, ExpenseType.SURGERY, D("999.99"), D("500.01")),
    }
    return MemberFigures(member_id=1, year=YEAR, persons=[mario, anna], cap=D("1300.00"))


def written(*households: MemberFigures, kind: str = "O") -> tuple[list[str], object]:
    out = io.StringIO(newline="")
    result = write_communication(out, header=header(kind), households=households)
    return out.getvalue().split("\r\n")[:-1], result


# --- The layout table ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [HEADER, DETAIL, TRAILER], ids=["0", "1", "9"])
def test_each_record_s_fields_follow_each_other_from_1_to_the_record_length(fields: list) -> None:
    assert fields[0].start == 1 and fields[0].name == "record_type"
    for before, after in zip(fields, fields[1:], strict=False):
        assert after.start == before.end + 1
    assert fields[-1].end == RECORD_LENGTH
    assert [f.number for f in fields] == list(range(1, len(fields) + 1))


def test_fields_are_padded_by_format() -> None:
    line = record("1", {"sequence": 7, "member_cf": "rssmra85t10h501o", "contributions_same_year": D("12.30")})
    fields = {f.name: f for f in DETAIL}
    seq, cf, amount = fields["sequence"], fields["member_cf"], fields["contributions_same_year"]
    assert line[seq.start - 1 : seq.end] == "00000007"
    assert line[cf.start - 1 : cf.end] == CF_MARIO
    assert line[amount.start - 1 : amount.end] == "000000001230"
    person = fields["person_cf"]
    assert line[person.start - 1 : person.end] == " " * 16  # blank AN field
    assert line.endswith(" \r\n")  # filler, then CR LF


def test_names_become_upper_case_ascii_and_are_cut_to_their_field() -> None:
    values = {"sender_name": "Società di Mutuo Soccorso «Fraternità» " + "x" * 80, "created_on": dt.date(2026, 1, 2)}
    name = parse(record("0", values))["sender_name"]
    assert name.startswith("SOCIETA DI MUTUO SOCCORSO FRATERNITA X")
    assert len(name) == 60


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("contributions_same_year", D("-0.01")),  # negative
        ("contributions_same_year", D("10000000000.00")),  # 13 digits
        ("contributions_same_year", D("1.001")),  # not cents
        ("contributions_same_year", "12"),  # not an amount
        ("member_cf", "RSSMRA85T10H501OX"),  # 17 characters
        ("sequence", 123456789),  # 9 digits
    ],
)
def test_a_value_that_does_not_fit_its_field_is_refused(name: str, value: object) -> None:
    with pytest.raises(LayoutError):
        record("1", {name: value})


# Values of every kind a field may be given, fitting or not: the fast `record` must write what the field-by-field
# definition writes, and refuse what it refuses.
field_values = st.one_of(
    st.none(),
    st.integers(-5, 10**13),
    st.integers(-100, 10**13).map(lambda n: D(n) / 100),  # cents, negative, too many digits
    st.integers(0, 10**5).map(lambda n: D(n) / 1000),  # a tenth of a cent
    st.text(max_size=70),
    st.dates(),
)


def _outcome(build: object, record_type: str, values: dict[str, object]) -> str:
    try:
        return build(record_type, values)  # type: ignore[operator]
    except LayoutError:
        return "LayoutError"
    except (ValueError, TypeError) as error:
        return type(error).__name__


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(record_type=st.sampled_from(sorted(RECORDS)), data=st.data())
def test_each_record_is_what_its_fields_formatted_one_by_one_give(record_type: str, data: st.DataObject) -> None:
    names = [f.name for f in RECORDS[record_type] if f.name not in ("record_type", "filler")]
    values = data.draw(st.dictionaries(st.sampled_from(names), field_values))
    assert _outcome(record, record_type, values) == _outcome(_reference_record, record_type, values)


OMOCODIA_DIGITS = "0123456789LMNPQRSTUV"


@st.composite
def fiscal_codes(draw: st.DrawFn) -> str:
    """Codici fiscali, mostly well formed (valid check character, any day and month letter, omocodia letters),
    some with a wrong check character, in lower case or with a separator."""
    letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    digit = st.sampled_from(OMOCODIA_DIGITS)
    body = "".join(draw(letters) for _ in range(6)) + draw(digit) + draw(digit)
    body += draw(st.sampled_from("ABCDEHLMPRSTXZ")) + draw(digit) + draw(digit) + draw(letters)
    body += "".join(draw(digit) for _ in range(3))
    code = body + (calc_check_digit(body) if draw(st.booleans()) or draw(st.booleans()) else draw(letters))
    match draw(st.integers(0, 9)):
        case 0:
            return code.lower()
        case 1:
            return code[:8] + " " + code[9:]
        case _:
            return code


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(fiscal_codes())
def test_a_codice_fiscale_is_valid_exactly_when_python_stdnum_says_so(code: str) -> None:
    assert valid_fiscal_code(code) == (len(code) == 16 and codicefiscale.is_valid(code))


# --- The file -----------------------------------------------------------------------------------------------------


def test_header_one_detail_per_person_and_trailer_all_of_the_record_length() -> None:
    lines, _ = written(household())
    assert [line[0] for line in lines] == ["0", "1", "1", "9"]
    assert all(len(line) == RECORD_LENGTH for line in lines)
    head = parse(lines[0])
    assert (head["sender_cf"], head["year"], head["kind"], head["created_on"]) == (
        "00743110157", "2025", "O", "20260220"
    )  # fmt: skip
    mario, anna = parse(lines[1]), parse(lines[2])
    assert (mario["person_cf"], mario["relation"], mario["treatment"]) == (CF_MARIO, "I", "2")
    assert (mario["contributions_same_year"], mario["contributions_earlier_years"]) == ("000000024000", "000000001234")
    assert (anna["member_cf"], anna["person_cf"], anna["relation"], anna["treatment"]) == (CF_MARIO, CF_ANNA, "F", "0")
    assert (anna["spent_same_year"], anna["reimbursed_same_year"]) == ("000000010000", "000000008000")
    assert (anna["spent_earlier_years"], anna["reimbursed_earlier_years"]) == ("000000099999", "000000050001")
    assert [mario["sequence"], anna["sequence"]] == ["00000001", "00000002"]


def test_the_trailer_counts_the_details_and_totals_their_amounts() -> None:
    second = household(contributions_same_year=D("0.01"), contributions_earlier_years=D("0.00"))
    lines, result = written(household(), second)
    trailer = parse(lines[-1])
    details = [parse(line) for line in lines if line[0] == "1"]
    assert int(trailer["detail_count"]) == len(details) == 4
    for name in ("contributions_same_year", "contributions_earlier_years", "reimbursed_same_year"):
        assert int(trailer[name]) == sum(int(d[name]) for d in details)
    assert trailer["contributions_same_year"] == "000000000036001"  # 240,00 + 60,00 + 0,01 + 60,00
    assert trailer["reimbursed_earlier_years"] == "000000000100002"
    assert result.details == 4  # type: ignore[attr-defined]


def test_a_person_without_a_valid_codice_fiscale_is_left_out_and_listed() -> None:
    bad = household(fiscal_code="RSSMRA85T10H501X")  # wrong check character: the member, so the whole household
    orphan = household()
    orphan.persons.append(PersonFigures(1, UNASSIGNED, "", "", contributions_same_year=D("5.00")))
    lines, result = written(bad, orphan)
    assert [line[0] for line in lines] == ["0", "1", "1", "9"]
    assert [a.kind for a in result.anomalies] == [AnomalyKind.INVALID_CF] * 3  # type: ignore[attr-defined]
    assert result.excluded_contributions == D("252.34") + D("60.00") + D("5.00")  # type: ignore[attr-defined]
    assert result.excluded_reimbursements == D("580.01")  # type: ignore[attr-defined]


def test_negative_totals_and_reimbursements_above_their_expense_are_listed() -> None:
    negative = household(contributions_same_year=D("-1.00"))
    over = household()
    over.persons[1].reimbursed[(YEAR, ExpenseType.HEALTH)].over_expense = 1
    lines, result = written(negative, over)
    kinds = sorted(a.kind for a in result.anomalies)  # type: ignore[attr-defined]
    assert kinds == [AnomalyKind.NEGATIVE, AnomalyKind.OVER_EXPENSE]
    assert len(lines) == 2 + 3  # the negative person left out, the one above the expense written


def test_a_cancelling_communication_has_no_details_and_names_the_protocol_it_cancels() -> None:
    lines, _ = written(household(), kind="A")
    assert [line[0] for line in lines] == ["0", "9"]
    assert parse(lines[0])["replaced_protocol"] == "26022012345678901-000001"
    assert parse(lines[-1])["detail_count"] == "00000000"


def test_every_field_of_the_table_is_a_known_format() -> None:
    assert {f.format for fields in RECORDS.values() for f in fields} <= set(Format)


# --- The demo's golden file ---------------------------------------------------------------------------------------


def demo_file() -> str:
    out = io.StringIO(newline="")
    write_communication(out, header=header(), households=rows.households(year=YEAR, cap=D("1300.00")))
    return out.getvalue()


def test_the_demo_year_s_file_matches_its_golden_file(db: None, settings: SettingsWrapper, tmp_path: Path) -> None:
    """The demo as `manage.py demo` loads it (seed 2026, 25 members, on 29/11/2026): the file of 2025, byte for
    byte. After a deliberate change, MUTUA_WRITE_GOLDEN=1 rewrites it; read the diff before committing it."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    demo_generate(seed=2026, members=25, today=dt.date(2026, 11, 29))
    content = demo_file()
    if os.environ.get("MUTUA_WRITE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(content.encode("ascii"))
    assert content.encode("ascii") == GOLDEN.read_bytes()
    lines = content.split("\r\n")[:-1]
    assert len(lines) > 10 and all(len(line) == RECORD_LENGTH for line in lines)
