"""How a member is named on the documents the mutual prints (receipts, certificates, the card)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mutua.members.models import Member, MemberKind


def member_code_label(member: Member) -> str:
    """What the member's code is called on paper: "Matricola" for ordinary members, else "Codice utente"."""
    return _("Matricola") if member.kind == MemberKind.ORDINARY else _("Codice utente")


def member_lines(member: Member) -> list[tuple[str, str]]:
    """The member's name, code and codice fiscale, as (label, value) lines."""
    return [
        (_("Socio"), member.full_name),
        (member_code_label(member), member.code),
        (_("Codice fiscale"), member.fiscal_code),
    ]
