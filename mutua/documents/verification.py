"""Verification codes printed on the documents the mutual issues, and their check on the public page /verifica/.

A code is an HMAC of what the document is (kind, object, issue time), so nobody can forge one for a
claim they have not seen. It cannot be turned back into the claim, so the first generation of a document
records it in IssuedDocument; checking a code then also confirms the claim still matches it.

Certificates and the card are about a member (and a year, a basis), not one row: their `object_id` packs those
(`certificate_object_id`), and they are issued once per day (`issue_day`), as they are generated afresh from the
current data at every download. A certificate that lists nothing (no contribution paid, no subsidy received in
the year) is a statement too, one a tax office may ask for: it gets its own code, which /verifica/ confirms while
there is still nothing to list.

Each app registers, when it starts, the check of the kinds of documents it issues (`checker_register`): whether a
code's document still matches today's data. This module knows no claim, member or plan.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from mutua.documents.models import IssuedDocument

SALT = "mutua.documents.verification"
CODE_LENGTH = 16  # base32 characters: 80 bits
MAX_INPUT_LENGTH = 64  # what a person may type around a code: spaces, dashes
_CODE_CHARS = re.compile(r"[A-Z2-7]{16}")
# Letters and digits people mistake for each other when copying from paper; base32 has no 0, 1, 8 or 9.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
ROME = ZoneInfo("Europe/Rome")
# The year and basis a certificate covers, packed with the member into IssuedDocument.object_id.
BASIS_CONTRIBUTIONS, BASIS_COMPETENCE, BASIS_PAYMENT = 0, 1, 2
# Added to the basis digit of a certificate that lists nothing: "none in that year" is a different statement.
_EMPTY_OFFSET = 5
# How the public page names a subsidy certificate's selection.
BASIS_LABELS = {BASIS_COMPETENCE: gettext_lazy("Anno di competenza"), BASIS_PAYMENT: gettext_lazy("Anno di pagamento")}


@dataclass(frozen=True)
class VerifiedDocument:
    """What the public page may say about a genuine document: nothing about the member, no amounts."""

    code: str
    kind: str
    object_id: int
    issued_at: dt.datetime
    year: int | None = None  # certificates: the year they cover
    basis: int | None = None  # subsidy certificates: BASIS_COMPETENCE or BASIS_PAYMENT
    empty: bool = False  # certificates: it certifies that there was nothing in the year (no amounts)


def document_code(*, kind: str, object_id: int, issued_at: dt.datetime) -> str:
    """The verification code of a document, as 4 groups of 4 base32 characters ("K7QM-2XPA-JRTB-4HCN")."""
    if timezone.is_naive(issued_at):
        raise ValueError("issued_at must be an aware datetime")
    message = f"{kind}/{object_id}/{issued_at.astimezone(dt.UTC).isoformat(timespec='microseconds')}"
    digest = salted_hmac(SALT, message, algorithm="sha256").digest()
    chars = base64.b32encode(digest[:10]).decode("ascii")  # 10 bytes = exactly 16 characters, no padding
    return "-".join(chars[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def document_issue(*, kind: str, object_id: int, issued_at: dt.datetime) -> str:
    """Record that a document was generated and return its code; generating it again records nothing new."""
    code = document_code(kind=kind, object_id=object_id, issued_at=issued_at)
    IssuedDocument.objects.get_or_create(
        code=code, defaults={"kind": kind, "object_id": object_id, "issued_at": issued_at}
    )
    return code


def issue_day(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight (Rome) of the day a document regenerated at each download is issued: one code per day."""
    local = (now or timezone.now()).astimezone(ROME)
    return dt.datetime(local.year, local.month, local.day, tzinfo=ROME)


def certificate_object_id(*, member_id: int, year: int, basis: int = BASIS_CONTRIBUTIONS, empty: bool = False) -> int:
    """member, basis and year in one number: member_id·100000 + basis·10000 + year; the basis digit is 5 higher
    for a certificate that lists nothing."""
    if not 1000 <= year <= 9999 or basis not in (BASIS_CONTRIBUTIONS, BASIS_COMPETENCE, BASIS_PAYMENT):
        raise ValueError("year must have four digits and basis be a known one")
    return member_id * 100_000 + (basis + (_EMPTY_OFFSET if empty else 0)) * 10_000 + year


class CertificateSubject(NamedTuple):
    member_id: int
    basis: int
    year: int
    empty: bool


def certificate_subject(object_id: int) -> CertificateSubject:
    """What `certificate_object_id` packed: member, basis, year, and whether the certificate listed nothing."""
    member_id, rest = divmod(object_id, 100_000)
    digit, year = divmod(rest, 10_000)
    empty = digit >= _EMPTY_OFFSET
    return CertificateSubject(member_id, digit - _EMPTY_OFFSET if empty else digit, year, empty)


def normalize_code(raw: str) -> str | None:
    """The code in its printed form, from what a person typed (any case, spaces, dashes); None if it cannot be one."""
    if len(raw) > MAX_INPUT_LENGTH:
        return None
    chars = re.sub(r"[\s\-.]", "", raw).upper().translate(_LOOKALIKES)
    if not _CODE_CHARS.fullmatch(chars):
        return None
    return "-".join(chars[i : i + 4] for i in range(0, CODE_LENGTH, 4))


# What each kind of document checks: given the stored row, the document as the public page may describe it while
# its subject still matches today's data, else None. Filled by the apps that issue documents (their AppConfig.ready).
Checker = Callable[[IssuedDocument], "VerifiedDocument | None"]
_CHECKERS: dict[str, Checker] = {}


def checker_register(kind: str, checker: Checker) -> None:
    """Make `checker` the check of the documents of `kind` (one per kind)."""
    if _CHECKERS.get(kind, checker) is not checker:
        raise ValueError(f"a checker for {kind!r} is already registered")
    _CHECKERS[kind] = checker


def document_verify(code: str) -> VerifiedDocument | None:
    """The document a code was printed on, if the mutual issued it and its subject still matches; else None.

    The page never confirms figures (it shows none): amounts are not stored with the code.
    """
    normalized = normalize_code(code)
    if normalized is None:
        return None
    issued = IssuedDocument.objects.filter(code=normalized).first()
    if issued is None:
        return None
    checker = _CHECKERS.get(issued.kind)
    return checker(issued) if checker is not None else None  # a kind this version does not know: not valid


def certificate_verified(
    issued: IssuedDocument, *, listed: bool | None, with_basis: bool = False
) -> VerifiedDocument | None:
    """The answer for a certificate, given whether today's data would list something in it (None: the member or the
    basis no longer makes sense): valid while it still lists something, or still nothing if it listed nothing."""
    subject = certificate_subject(issued.object_id)
    if listed is None or listed == subject.empty:
        return None
    return VerifiedDocument(
        code=issued.code,
        kind=issued.kind,
        object_id=issued.object_id,
        issued_at=issued.issued_at,
        year=subject.year,
        basis=subject.basis if with_basis else None,
        empty=subject.empty,
    )
