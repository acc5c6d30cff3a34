"""Members and family members from the registry, set-based: a chunk is compared with the stored records in a few
queries, new people are created in bulk (a member with their user), and each changed field of a member is kept
as a dated version (`MemberChange`) with the registry as the actor."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.hashers import make_password
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from mutua.accounts.models import Role, User
from mutua.members.models import Beneficiary, Member, MemberChange, RegionalOffice
from mutua.registry import bulk
from mutua.registry.files import BENEFICIARY_COLUMNS, MEMBER_COLUMNS, RawRow
from mutua.registry.rows import CleanRow, clean_beneficiary_row, clean_member_row
from mutua.registry.sync import (
    EntitySync,
    Outcome,
    SyncContext,
    bulk_update,
    members_by_code,
    unknown_member,
)

# Contact and payment data the member may also have given in the portal: an empty cell in the registry
# means "the registry does not know", never "erase it".
KEPT_WHEN_EMPTY = ("email", "mobile", "iban", "account_holder")
# Contacts the member proved to own in the portal: the registry never replaces them.
VERIFIED_CONTACTS = {"email": "email_verified_at", "mobile": "mobile_verified_at"}
MEMBER_FIELDS = tuple(name for name in MEMBER_COLUMNS if name != "regional_office")
BENEFICIARY_FIELDS = ("relationship", "first_name", "last_name", "birth_date")
MEMBER_REQUIRED = ("code", "fiscal_code", "first_name", "last_name", "sex", "birth_date")
BENEFICIARY_REQUIRED = ("member_code", "relationship", "fiscal_code", "first_name", "last_name", "birth_date")


class MemberSync(EntitySync):
    name = "members"
    columns = MEMBER_COLUMNS
    required = MEMBER_REQUIRED
    secondary_keys: ClassVar[tuple[str, ...]] = ("fiscal_code",)

    def __init__(self, context: SyncContext) -> None:
        super().__init__(context)
        self.offices = dict(RegionalOffice.objects.values_list("code", "id"))
        self.office_codes = {pk: code for code, pk in self.offices.items()}

    def clean(self, raw: RawRow) -> CleanRow:
        return clean_member_row(raw)

    def key(self, row: CleanRow) -> str:
        return str(row.data["code"])

    def secondary(self, row: CleanRow, name: str) -> str:
        return str(row.data.get(name) or "")

    def duplicate_message(self, line: int, name: str = "") -> str:
        if name == "fiscal_code":
            return _("fiscal_code: lo stesso codice fiscale è già alla riga %(line)d, con un'altra matricola.") % {
                "line": line
            }
        return _("code: matricola già presente alla riga %(line)d.") % {"line": line}

    def failed(self, row: CleanRow) -> None:
        code = row.data.get("code")
        if code:
            self.context.failed_members.setdefault(code, row.line)

    def apply(self, rows: list[CleanRow]) -> Outcome:
        codes = [row.data["code"] for row in rows]
        # The mobile as stored (E.164 text): turned into a PhoneNumber, it would be parsed once more per row.
        stored_mobile = RawSQL(f'"{Member._meta.db_table}"."mobile"', [], output_field=CharField())  # noqa: S611
        existing = {
            member.code: member
            for member in Member.objects.filter(bulk.among(Member, "code", codes))
            .defer("mobile", "pending_mobile")
            .annotate(stored_mobile=stored_mobile)
        }
        taken = {
            fiscal_code: code
            for fiscal_code, code in Member.objects.filter(
                bulk.among(Member, "fiscal_code", [row.data["fiscal_code"] for row in rows])
            ).values_list("fiscal_code", "code")
            if code not in existing
        }
        users = set(User.objects.filter(bulk.among(User, "username", codes)).values_list("username", flat=True))
        outcome = Outcome()
        new: list[dict[str, Any]] = []
        relinked: list[Member] = []
        changed: list[Member] = []
        fields: set[str] = set()
        versions: list[MemberChange] = []
        for row in rows:
            data = dict(row.data)
            office_code = data.pop("regional_office")
            office_id = self.offices.get(office_code) if office_code else None
            if office_code and office_id is None:
                row.errors.append(
                    _("regional_office: nessuna sede regionale con codice %(code)s.") % {"code": office_code}
                )
            if data["fiscal_code"] in taken:
                row.errors.append(
                    _("fiscal_code: già registrato per il socio con matricola %(code)s.")
                    % {"code": taken[data["fiscal_code"]]}
                )
            member = existing.get(data["code"])
            needs_user = member is None or member.user_id is None
            if needs_user and data["code"] in users:
                row.errors.append(
                    _("code: esiste già un utente %(code)s non collegato a un socio: va verificato a mano.")
                    % {"code": data["code"]}
                )
            if not row.valid:
                self.failed(row)
                continue
            if member is None:
                new.append({**data, "regional_office_id": office_id})
                outcome.new += 1
                continue
            diff, notes = self._member_diff(member, data, office_id)
            if notes:
                self.context.notes(row, notes)
            if member.user_id is None:
                relinked.append(member)
            elif not diff:
                outcome.unchanged += 1
                continue
            outcome.changed += 1
            if not diff:
                continue
            versions += [
                MemberChange(
                    member_id=member.pk,
                    actor_id=self.context.actor_id,
                    changed_at=self.context.now,
                    field=name,
                    old_value=old[:254],
                    new_value=new_value[:254],
                )
                for name, (old, new_value) in diff.items()
                if name != "registry_missing_since"
            ]
            fields |= diff.keys()
            member.updated_at = self.context.now
            changed.append(member)
        self._create(new, relinked)
        bulk_update(Member, changed, fields | {"updated_at"} if fields else set())
        bulk.insert(MemberChange, versions)
        return outcome

    def _create(self, new: list[dict[str, Any]], relinked: list[Member]) -> None:
        """New members, each with a user whose username is the code and whose password is unusable: the member
        signs in the first time with the derived first-access password."""
        if not new and not relinked:
            return
        unusable = make_password(None)
        codes = [member["code"] for member in new] + [member.code for member in relinked]
        users = [{"username": code, "role": Role.MEMBER, "password": unusable} for code in codes]
        user_ids = bulk.insert_values(User, users, key=("username",))
        for row, user_id in zip(new, user_ids, strict=False):
            row["user_id"] = user_id
        for member, user_id in zip(relinked, user_ids[len(new) :], strict=True):
            member.user_id = user_id
            member.updated_at = self.context.now
        bulk.insert_values(Member, new)
        bulk_update(Member, relinked, {"user", "updated_at"})

    def _member_diff(
        self, member: Member, data: dict[str, Any], office_id: int | None
    ) -> tuple[dict[str, tuple[str, str]], list[str]]:
        """What the row changes, as (old, new) texts for the member's history; verified contacts are kept."""
        diff: dict[str, tuple[str, str]] = {}
        notes: list[str] = []
        for name in MEMBER_FIELDS:
            value = data[name]
            if name in KEPT_WHEN_EMPTY and not value:
                continue
            current = (member.stored_mobile or "") if name == "mobile" else getattr(member, name)  # type: ignore[attr-defined]
            if name in VERIFIED_CONTACTS and current.lower() == value.lower():
                continue
            if current == value:
                continue
            if name in VERIFIED_CONTACTS and getattr(member, VERIFIED_CONTACTS[name]) is not None:
                notes.append(_verified_contact_note(name))
                continue
            diff[name] = (_text(current), _text(value))
            setattr(member, name, value)
        if member.regional_office_id != office_id:
            diff["regional_office"] = (
                self.office_codes.get(member.regional_office_id or 0, ""),
                self.office_codes.get(office_id or 0, ""),
            )
            member.regional_office_id = office_id
        if member.registry_missing_since is not None:
            diff["registry_missing_since"] = ("", "")
            member.registry_missing_since = None
        return diff, notes


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _verified_contact_note(name: str) -> str:
    if name == "email":
        return _("email: il socio l'ha verificata nel portale; resta quella, il valore del registro è ignorato.")
    return _("mobile: il socio l'ha verificato nel portale; resta quello, il valore del registro è ignorato.")


class BeneficiarySync(EntitySync):
    """A family member is matched by their member and codice fiscale."""

    name = "beneficiaries"
    columns = BENEFICIARY_COLUMNS
    required = BENEFICIARY_REQUIRED

    def clean(self, raw: RawRow) -> CleanRow:
        return clean_beneficiary_row(raw)

    def key(self, row: CleanRow) -> str:
        return f"{row.data['member_code']}|{row.data['fiscal_code']}"

    def duplicate_message(self, line: int, name: str = "") -> str:
        return _("fiscal_code: familiare già presente alla riga %(line)d.") % {"line": line}

    def apply(self, rows: list[CleanRow]) -> Outcome:
        members = members_by_code(row.data["member_code"] for row in rows)
        existing = {
            (b.member_id, b.fiscal_code): b
            for b in Beneficiary.objects.filter(bulk.among(Beneficiary, "member", [pk for pk, _cf in members.values()]))
        }
        outcome, new, changed, fields = Outcome(), list[dict[str, Any]](), list[Beneficiary](), set[str]()
        for row in rows:
            data = dict(row.data)
            code = data.pop("member_code")
            member = members.get(code)
            if member is None:
                unknown_member(row, code, self.context)
                continue
            if member[1] == data["fiscal_code"]:
                row.errors.append(_("fiscal_code: è il codice fiscale del socio, non di un familiare."))
                continue
            beneficiary = existing.get((member[0], data["fiscal_code"]))
            if beneficiary is None:
                new.append({"member_id": member[0], **data})
                continue
            diff = [name for name in BENEFICIARY_FIELDS if getattr(beneficiary, name) != data[name]]
            if not diff:
                outcome.unchanged += 1
                continue
            for name in diff:
                setattr(beneficiary, name, data[name])
            beneficiary.updated_at = self.context.now
            fields |= set(diff)
            changed.append(beneficiary)
        bulk.insert_values(Beneficiary, new)
        bulk_update(Beneficiary, changed, fields | {"updated_at"} if fields else set())
        outcome.new, outcome.changed = len(new), len(changed)
        return outcome
