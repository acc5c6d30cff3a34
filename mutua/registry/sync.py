"""The set-based writes of the registry import: a chunk of cleaned rows is compared with what the database holds in
a few queries, and only new and changed rows are written, in bulk.

Each entity is a subclass of `EntitySync`; `apply` takes the chunk's valid rows (duplicates already removed),
resolves the codes that name other records (a row naming an unknown one gets its reason and is skipped), and
returns how many rows were new, changed and unchanged. The caller holds the entity's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _

from mutua.members.models import Beneficiary, Member, RegionalOffice
from mutua.plans.models import Contribution, Enrollment, Plan
from mutua.registry import bulk, cleaning
from mutua.registry.files import RawRow
from mutua.registry.rows import CleanRow

BULK_BATCH = 1000
M = TypeVar("M", bound=Model)
T = TypeVar("T")


@dataclass
class Outcome:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Outcome) -> Outcome:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        return self


@dataclass
class SyncContext:
    """What the entities of one run share: the acting registry user, the time, what failed earlier in the run."""

    actor_id: int | None
    now: dt.datetime
    failed_members: dict[str, int] = field(default_factory=dict)  # code → line of a member row not imported
    notes: Callable[[CleanRow, list[str]], None] = lambda row, notes: None


class EntitySync:
    name: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    required: ClassVar[tuple[str, ...]]
    # Further unique keys beside the row's own key, checked across the file (a CF held by two codes).
    secondary_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: SyncContext) -> None:
        self.context = context

    # The entity's cleaning function (registry/cleaning.py): checks the raw values, fills row.data or row.errors.
    clean_values: ClassVar[Callable[..., None]]

    def clean(self, raw: RawRow) -> CleanRow:
        row = CleanRow(line=raw.line, record=self.name)
        if raw.problem:
            row.errors.append(raw.problem)
        else:
            type(self).clean_values(raw.values, row)
        return row

    def key(self, row: CleanRow) -> str:
        raise NotImplementedError

    def secondary(self, row: CleanRow, name: str) -> str:
        return ""

    def duplicate_message(self, line: int, name: str = "") -> str:
        return _("riga duplicata: lo stesso record è già alla riga %(line)d.") % {"line": line}

    def apply(self, rows: list[CleanRow]) -> Outcome:
        raise NotImplementedError

    def failed(self, row: CleanRow) -> None:
        """A row of this entity was not imported (for the rows of later entities that name it)."""


def changed_fields(obj: Model | dict[str, Any], data: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    current = obj if isinstance(obj, dict) else obj.__dict__
    return {name: data[name] for name in names if _normal(current[name]) != _normal(data[name])}


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def bulk_update(model: type[M], objects: Sequence[M], fields: set[str]) -> None:
    bulk.update(model, objects, fields)


def _code_map(model: type[RegionalOffice] | type[Plan]) -> dict[str, int]:
    return dict(model.objects.values_list("code", "id"))


def members_by_code(codes: Iterable[str]) -> dict[str, tuple[int, str]]:
    """code → (id, codice fiscale) of the members named by a chunk."""
    return {
        code: (pk, cf)
        for code, pk, cf in Member.objects.filter(bulk.among(Member, "code", set(codes))).values_list(
            "code", "id", "fiscal_code"
        )
    }


def unknown_member(row: CleanRow, code: str, context: SyncContext) -> None:
    if code in context.failed_members:
        row.errors.append(
            _("member_code: il socio è alla riga %(line)d del file dei soci, che non è stata importata.")
            % {"line": context.failed_members[code]}
        )
    else:
        row.errors.append(
            _("member_code: nessun socio con matricola %(code)s, né nel file né già importato.") % {"code": code}
        )


def known_member_and_plan(
    row: CleanRow, members: dict[str, T], plans: dict[str, int], context: SyncContext
) -> tuple[T, int] | None:
    """The row's member and plan, or None with a reason in the row's errors for each one missing."""
    member, plan_id = members.get(row.data["member_code"]), plans.get(row.data["plan_code"])
    if member is None:
        unknown_member(row, row.data["member_code"], context)
    if plan_id is None:
        row.errors.append(
            _("plan_code: nessuna forma di assistenza con codice %(code)s.") % {"code": row.data["plan_code"]}
        )
    return None if member is None or plan_id is None else (member, plan_id)


class SimpleSync(EntitySync):
    """A record matched by its own `code` (regional offices, plans): every column is a field."""

    model: ClassVar[type[RegionalOffice] | type[Plan]]

    def key(self, row: CleanRow) -> str:
        return str(row.data["code"])

    def apply(self, rows: list[CleanRow]) -> Outcome:
        existing = {
            obj.code: obj
            for obj in self.model.objects.filter(bulk.among(self.model, "code", [row.data["code"] for row in rows]))
        }
        outcome, new, changed, fields = Outcome(), [], [], set[str]()
        for row in rows:
            obj = existing.get(row.data["code"])
            if obj is None:
                new.append(self.model(**row.data))
                continue
            diff = changed_fields(obj, row.data, row.data)
            if not diff:
                outcome.unchanged += 1
                continue
            for name, value in diff.items():
                setattr(obj, name, value)
            fields |= diff.keys()
            changed.append(obj)
        bulk.insert(self.model, new)
        bulk_update(self.model, changed, fields)
        outcome.new, outcome.changed = len(new), len(changed)
        return outcome


class OfficeSync(SimpleSync):
    name = "offices"
    model = RegionalOffice
    columns = cleaning.OFFICE_COLUMNS
    required = cleaning.OFFICE_REQUIRED
    clean_values = cleaning.clean_office


class PlanSync(SimpleSync):
    name = "plans"
    model = Plan
    columns = cleaning.PLAN_COLUMNS
    required = cleaning.PLAN_REQUIRED
    clean_values = cleaning.clean_plan


class EnrollmentSync(EntitySync):
    """An enrollment is matched by member, plan and start date; its family members are a set of codici fiscali."""

    name = "enrollments"
    columns = cleaning.ENROLLMENT_COLUMNS
    required = cleaning.ENROLLMENT_REQUIRED
    clean_values = cleaning.clean_enrollment

    def __init__(self, context: SyncContext) -> None:
        super().__init__(context)
        self.plans = _code_map(Plan)

    def key(self, row: CleanRow) -> str:
        start = row.data["start_date"]
        return f"{row.data['member_code']}|{row.data['plan_code']}|{start.isoformat() if start else ''}"

    def apply(self, rows: list[CleanRow]) -> Outcome:
        members = members_by_code(row.data["member_code"] for row in rows)
        member_ids = [pk for pk, _cf in members.values()]
        family: dict[tuple[int, str], int] = {
            (member_id, cf): pk
            for member_id, cf, pk in Beneficiary.objects.filter(
                bulk.among(Beneficiary, "member", member_ids)
            ).values_list("member_id", "fiscal_code", "id")
        }
        existing = {
            (e["member_id"], e["plan_id"], e["start_date"]): e
            for e in Enrollment.objects.filter(bulk.among(Enrollment, "member", member_ids)).values(
                "id", "member_id", "plan_id", "start_date", "end_date"
            )
        }
        through = Enrollment.beneficiaries.through
        linked: dict[int, set[int]] = defaultdict(set)
        for enrollment_id, beneficiary_id in through.objects.filter(
            bulk.among(through, "enrollment", [e["id"] for e in existing.values()])
        ).values_list("enrollment_id", "beneficiary_id"):
            linked[enrollment_id].add(beneficiary_id)
        outcome = Outcome()
        new: list[tuple[dict[str, Any], set[int]]] = []
        ended: list[Enrollment] = []
        links_add: list[dict[str, int]] = []
        links_remove: list[tuple[int, int]] = []
        for row in rows:
            data = row.data
            found = known_member_and_plan(row, members, self.plans, self.context)
            if found is None:
                continue
            member, plan_id = found
            wanted: set[int] = set()
            for cf in data["beneficiaries"]:
                if (member[0], cf) in family:
                    wanted.add(family[(member[0], cf)])
                else:
                    row.errors.append(
                        _("beneficiaries: %(cf)s non è un familiare di questo socio (importa prima i familiari).")
                        % {"cf": cf}
                    )
            if not row.valid:
                continue
            current = existing.get((member[0], plan_id, data["start_date"]))
            if current is None:
                new.append(
                    (
                        {
                            "member_id": member[0],
                            "plan_id": plan_id,
                            "start_date": data["start_date"],
                            "end_date": data["end_date"],
                        },
                        wanted,
                    )
                )
                continue
            have = linked.get(current["id"], set())
            if current["end_date"] == data["end_date"] and have == wanted:
                outcome.unchanged += 1
                continue
            outcome.changed += 1
            if current["end_date"] != data["end_date"]:
                ended.append(Enrollment(id=current["id"], end_date=data["end_date"]))
            links_add += [{"enrollment_id": current["id"], "beneficiary_id": b} for b in wanted - have]
            links_remove += [(current["id"], b) for b in have - wanted]
        ids = bulk.insert_values(
            Enrollment, [enrollment for enrollment, _w in new], key=("member", "plan", "start_date")
        )
        for enrollment_id, (_enrollment, wanted) in zip(ids, new, strict=True):
            links_add += [{"enrollment_id": enrollment_id, "beneficiary_id": b} for b in wanted]
        bulk.insert_values(through, links_add)
        if links_remove:  # one query for the chunk: the pairs' link ids
            pairs = set(links_remove)
            stale = [
                pk
                for pk, enrollment_id, beneficiary_id in through.objects.filter(
                    enrollment_id__in={e for e, _b in pairs}
                ).values_list("id", "enrollment_id", "beneficiary_id")
                if (enrollment_id, beneficiary_id) in pairs
            ]
            through.objects.filter(id__in=stale).delete()
        bulk_update(Enrollment, ended, {"end_date"})
        outcome.new = len(new)
        return outcome


CONTRIBUTION_FIELDS = (
    "member_id",
    "enrollment_id",
    "year",
    "period",
    "amount_due",
    "amount_paid",
    "family_part",
    "paid_on",
    "method",
    "channel",
    "payer",
)


class ContributionSync(EntitySync):
    """A contribution is matched by the registry's code of the payment, and belongs to the member's enrollment in
    the plan that is in force in its competence year."""

    name = "contributions"
    columns = cleaning.CONTRIBUTION_COLUMNS
    required = cleaning.CONTRIBUTION_REQUIRED
    clean_values = cleaning.clean_contribution

    def __init__(self, context: SyncContext) -> None:
        super().__init__(context)
        self.plans = _code_map(Plan)

    def key(self, row: CleanRow) -> str:
        return str(row.data["registry_code"])

    def duplicate_message(self, line: int, name: str = "") -> str:
        return _("code: contributo già presente alla riga %(line)d.") % {"line": line}

    def apply(self, rows: list[CleanRow]) -> Outcome:
        members = members_by_code(row.data["member_code"] for row in rows)
        enrollments: dict[tuple[int, int], list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        for pk, member_id, plan, start, end in Enrollment.objects.filter(
            bulk.among(Enrollment, "member", [pk for pk, _cf in members.values()])
        ).values_list("id", "member_id", "plan_id", "start_date", "end_date"):
            enrollments[(member_id, plan)].append((pk, start, end))
        existing = {
            c["registry_code"]: c
            for c in Contribution.objects.filter(
                bulk.among(Contribution, "registry_code", [row.data["registry_code"] for row in rows])
            ).values("id", "registry_code", *CONTRIBUTION_FIELDS)
        }
        outcome, new, changed, fields = Outcome(), list[dict[str, Any]](), list[Contribution](), set[str]()
        for row in rows:
            data = row.data
            found = known_member_and_plan(row, members, self.plans, self.context)
            if found is None:
                continue
            member, plan_id = found
            enrollment_id = next(
                (
                    pk
                    for pk, start, end in enrollments[(member[0], plan_id)]
                    if start.year <= data["year"] and (end is None or end.year >= data["year"])
                ),
                None,
            )
            if enrollment_id is None:
                row.errors.append(
                    _("year: il socio non ha un'adesione alla forma %(plan)s in vigore nel %(year)d.")
                    % {"plan": data["plan_code"], "year": data["year"]}
                )
                continue
            values = {
                name: data[name] for name in CONTRIBUTION_FIELDS if name not in ("member_id", "enrollment_id")
            } | {"member_id": member[0], "enrollment_id": enrollment_id}
            current = existing.get(data["registry_code"])
            if current is None:
                new.append({"registry_code": data["registry_code"], **values})
                continue
            diff = changed_fields(current, values, CONTRIBUTION_FIELDS)
            if not diff:
                outcome.unchanged += 1
                continue
            changed.append(Contribution(**(current | diff)))
            fields |= diff.keys()
        bulk.insert_values(Contribution, new)
        bulk_update(Contribution, changed, fields)
        outcome.new, outcome.changed = len(new), len(changed)
        return outcome
