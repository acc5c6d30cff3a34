"""Rows of regional offices, plans, enrollments and contributions cleaned into model field values, or the reasons
they cannot be imported; and the parsers of the registry's Italian dates and amounts, shared with rows.py.

Nothing here touches the database: codes that name other records (a member, a plan, an office) are resolved by
mutua.registry.sync, a chunk of rows at a time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from mutua.members.models import RegionalOffice
from mutua.members.validators import normalize_fiscal_code, validate_fiscal_code
from mutua.plans.models import ContributionChannel, ContributionMethod, Plan
from mutua.registry.rows import CleanRow, code_value, parse_date, required, text_value, value_of

AMOUNT = re.compile(r"-?\d+([.,]\d{1,2})?")
THOUSANDS = re.compile(r"-?\d{1,3}([.,]\d{3})+([.,]\d{1,2})?")
INTEGER = re.compile(r"\d+")
MAX_AMOUNT = Decimal("99999999.99")
TRUE_VALUES = {"1", "si", "sì", "true", "s", "y", "yes"}
FALSE_VALUES = {"0", "no", "false", "n"}
CODE = re.compile(r"[A-Za-z0-9._/-]+")


def date_value(values: Mapping[str, str], column: str, row: CleanRow, *, is_required: bool = True) -> dt.date | None:
    value = value_of(values, column)
    if not value:
        if is_required:
            required(column, row)
        return None
    return parse_date(value, column, row)


def amount_value(
    values: Mapping[str, str], column: str, row: CleanRow, *, is_required: bool = True, default: Decimal | None = None
) -> Decimal | None:
    """Euros with a decimal comma (`1234,56`) or point (`1234.56`); never negative, never a thousands separator."""
    value = value_of(values, column).replace("€", "").replace(" ", "")
    if not value:
        if is_required:
            required(column, row)
        return default
    if not AMOUNT.fullmatch(value):
        if THOUSANDS.fullmatch(value):
            row.errors.append(
                _(
                    "%(column)s: %(value)s ha il separatore delle migliaia: scrivi l'importo senza, con la virgola "
                    "per i decimali (ad esempio 1000,00)."
                )
                % {"column": column, "value": value}
            )
        else:
            row.errors.append(
                _("%(column)s: %(value)s non è un importo (ad esempio 120,50).") % {"column": column, "value": value}
            )
        return default
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern above admits only decimals
        row.errors.append(_("%(column)s: non è un importo.") % {"column": column})
        return default
    if amount < 0:
        row.errors.append(_("%(column)s: l'importo non può essere negativo.") % {"column": column})
        return default
    if amount > MAX_AMOUNT:
        row.errors.append(_("%(column)s: importo troppo grande.") % {"column": column})
        return default
    return amount


def percent_value(values: Mapping[str, str], column: str, row: CleanRow, *, default: Decimal) -> Decimal:
    amount = amount_value(values, column, row, is_required=False, default=default)
    if amount is not None and amount > 100:
        row.errors.append(_("%(column)s: una percentuale va da 0 a 100.") % {"column": column})
        return default
    return amount if amount is not None else default


def int_value(
    values: Mapping[str, str], column: str, row: CleanRow, *, low: int, high: int, is_required: bool = False
) -> int | None:
    value = value_of(values, column)
    if not value:
        if is_required:
            required(column, row)
        return None
    if not INTEGER.fullmatch(value) or not low <= int(value) <= high:
        row.errors.append(
            _("%(column)s: un numero intero da %(low)d a %(high)d.") % {"column": column, "low": low, "high": high}
        )
        return None
    return int(value)


def bool_value(values: Mapping[str, str], column: str, row: CleanRow, *, default: bool) -> bool:
    value = value_of(values, column).lower()
    if not value:
        return default
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    row.errors.append(_("%(column)s: scrivi sì o no.") % {"column": column})
    return default


def record_code(values: Mapping[str, str], column: str, row: CleanRow, *, max_length: int) -> str:
    """A code of the registry (office, plan, contribution): letters, digits and . _ / -, upper-cased."""
    value = value_of(values, column)
    if not value:
        required(column, row)
        return ""
    if len(value) > max_length or not CODE.fullmatch(value):
        row.errors.append(
            _("%(column)s: codice non valido (lettere, cifre, . _ / -, al massimo %(max)d caratteri).")
            % {"column": column, "max": max_length}
        )
        return ""
    return value.upper()


OFFICE_COLUMNS = ("code", "name", "region", "address", "phone", "email", "opening_hours")
OFFICE_REQUIRED = ("code", "name", "region", "address", "phone", "email")


def clean_office(values: Mapping[str, str], row: CleanRow) -> None:
    data = row.data
    data["code"] = record_code(values, "code", row, max_length=10)
    for column in ("name", "region", "address", "phone", "opening_hours"):
        data[column] = text_value(values, column, row, model=RegionalOffice, is_required=column in OFFICE_REQUIRED)
    email = value_of(values, "email")
    data["email"] = email
    if not email:
        required("email", row)
    else:
        try:
            validate_email(email)
        except ValidationError:
            row.errors.append(_("email: indirizzo email non valido."))


# The coverage rules of a plan, named as operators know them (docs/domain.md, Coverage rules).
PLAN_COLUMNS = (
    "code",
    "name",
    "description",
    "yearly_fee",
    "family_fee",
    "is_active",
    "reimbursement_pct",
    "deductible",
    "minimum_withheld",
    "beneficiary_ceiling",
    "family_ceiling",
    "waiting_days",
    "submission_days",
)
PLAN_REQUIRED = ("code", "name", "yearly_fee")


def clean_plan(values: Mapping[str, str], row: CleanRow) -> None:
    data = row.data
    data["code"] = record_code(values, "code", row, max_length=20)
    data["name"] = text_value(values, "name", row, model=Plan, is_required=True)
    description = value_of(values, "description")
    if len(description) > 2000:
        row.errors.append(_("description: al massimo 2000 caratteri."))
    data["description"] = text_value({"description": description[:2000]}, "description", row, max_length=2000)
    data["yearly_fee"] = amount_value(values, "yearly_fee", row)
    data["family_fee"] = amount_value(values, "family_fee", row, is_required=False, default=Decimal("0"))
    data["is_active"] = bool_value(values, "is_active", row, default=True)
    data["reimbursement_pct"] = percent_value(values, "reimbursement_pct", row, default=Decimal("100"))
    data["deductible"] = amount_value(values, "deductible", row, is_required=False, default=Decimal("0"))
    data["minimum_withheld"] = amount_value(values, "minimum_withheld", row, is_required=False, default=Decimal("0"))
    data["beneficiary_ceiling"] = amount_value(values, "beneficiary_ceiling", row, is_required=False)
    data["family_ceiling"] = amount_value(values, "family_ceiling", row, is_required=False)
    data["waiting_days"] = int_value(values, "waiting_days", row, low=0, high=3650) or 0
    data["submission_days"] = int_value(values, "submission_days", row, low=1, high=3650)


ENROLLMENT_COLUMNS = ("member_code", "plan_code", "start_date", "end_date", "beneficiaries")
ENROLLMENT_REQUIRED = ("member_code", "plan_code", "start_date")
LIST_SEPARATORS = re.compile(r"[\s,;|]+")


def clean_enrollment(values: Mapping[str, str], row: CleanRow) -> None:
    data = row.data
    data["member_code"] = code_value(values, "member_code", row)
    data["plan_code"] = record_code(values, "plan_code", row, max_length=20)
    data["start_date"] = date_value(values, "start_date", row)
    data["end_date"] = date_value(values, "end_date", row, is_required=False)
    if data["start_date"] and data["end_date"] and data["end_date"] < data["start_date"]:
        row.errors.append(_("end_date: è prima della data di inizio."))
    fiscal_codes: list[str] = []
    for item in LIST_SEPARATORS.split(value_of(values, "beneficiaries")):
        if not item:
            continue
        code = normalize_fiscal_code(item)
        try:
            validate_fiscal_code(code)
        except ValidationError as exc:
            row.errors.append(f"beneficiaries: {code}: {exc.messages[0]}")
            continue
        if code not in fiscal_codes:
            fiscal_codes.append(code)
    data["beneficiaries"] = tuple(sorted(fiscal_codes))


CONTRIBUTION_COLUMNS = (
    "code",
    "member_code",
    "plan_code",
    "year",
    "period",
    "amount_due",
    "amount_paid",
    "family_part",
    "paid_on",
    "channel",
    "method",
    "payer",
)
CONTRIBUTION_REQUIRED = ("code", "member_code", "plan_code", "year", "amount_due", "channel")
DIRECT_METHODS = (ContributionMethod.SDD, ContributionMethod.TRANSFER, ContributionMethod.CARD)
CHANNELS = tuple(ContributionChannel.values)  # read once: `.values` builds a list at every call


def clean_contribution(values: Mapping[str, str], row: CleanRow) -> None:
    data = row.data
    data["registry_code"] = record_code(values, "code", row, max_length=40)
    data["member_code"] = code_value(values, "member_code", row)
    data["plan_code"] = record_code(values, "plan_code", row, max_length=20)
    data["year"] = int_value(values, "year", row, low=1950, high=2100, is_required=True)
    data["period"] = text_value(values, "period", row, max_length=40)
    data["amount_due"] = amount_value(values, "amount_due", row)
    data["amount_paid"] = amount_value(values, "amount_paid", row, is_required=False, default=Decimal("0"))
    data["family_part"] = amount_value(values, "family_part", row, is_required=False, default=Decimal("0"))
    if data["amount_due"] is not None and data["family_part"] and data["family_part"] > data["amount_due"]:
        row.errors.append(_("family_part: è più dell'importo dovuto."))
    data["paid_on"] = date_value(values, "paid_on", row, is_required=False)
    if data["amount_paid"] and data["paid_on"] is None and "paid_on" not in " ".join(row.errors):
        row.errors.append(_("paid_on: obbligatoria quando l'importo versato non è zero."))
    channel = value_of(values, "channel").lower()
    if channel not in CHANNELS:
        row.errors.append(_("channel: valore non ammesso: usa %(choices)s.") % {"choices": ", ".join(CHANNELS)})
    data["channel"] = channel
    method = value_of(values, "method").lower()
    if channel == ContributionChannel.PAYROLL:
        if method and method != ContributionMethod.PAYROLL:
            row.errors.append(_("method: un contributo trattenuto in busta paga ha method vuoto o payroll."))
        method = ContributionMethod.PAYROLL
    elif method and method not in DIRECT_METHODS:
        row.errors.append(
            _("method: valore non ammesso per un versamento diretto: usa %(choices)s.")
            % {"choices": ", ".join(DIRECT_METHODS)}
        )
    data["method"] = method
    data["payer"] = text_value(values, "payer", row, max_length=140)
