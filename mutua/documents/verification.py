"""Verification codes printed on the documents the mutual issues, and their check on the public page /verifica/.

A code is an HMAC of what the document is (kind, object, issue time), so nobody can forge one for a
claim they have not seen. It cannot be turned back into the claim, so the first generation of a document
records it in IssuedDocument; checking a code then also confirms the claim still matches it.

Certificates and the card are about a member (and a year, a basis), not one row: their `object_id` packs those
(`certificate_object_id`), and they are issued once per day (`issue_day`), as they are generated afresh from the
current data at every download. A certificate that lists nothing (no contribution paid, no subsidy received in
the year) is a statement too, one a tax office may ask for: it gets its own code, which /verifica/ confirms while
there is still nothing to list. The membership card also carries a signed link (`card_token`) that a public page
checks against today's data, without any stored row.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core import signing
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from mutua.claims.models import Claim, ClaimStatus
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.members.models import Member

SALT = "mutua.documents.verification"
CODE_LENGTH = 16  # base32 characters: 80 bits
MAX_INPUT_LENGTH = 64  # what a person may type around a code: spaces, dashes
_CODE_CHARS = re.compile(r"[A-Z2-7]{16}")
# Letters and digits people mistake for each other when copying from paper; base32 has no 0, 1, 8 or 9.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
ROME = ZoneInfo("Europe/Rome")
CARD_SALT = "mutua.documents.card"
# The year and basis a certificate covers, packed with the member into IssuedDocument.object_id.
BASIS_CONTRIBUTIONS, BASIS_COMPETENCE, BASIS_PAYMENT = 0, 1, 2
# Added to the basis digit of a certificate that lists nothing: "none in that year" is a different statement.
_EMPTY_OFFSET = 5


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


def card_token(*, member_id: int) -> str:
    """The signed part of the link printed as a QR code on the membership card; changing any character breaks it."""
    return signing.Signer(salt=CARD_SALT).sign(str(member_id))


def card_member_id(token: str) -> int | None:
    """The member a card link was signed for, or None if the link was altered or is not one."""
    if len(token) > MAX_INPUT_LENGTH * 2:
        return None
    try:
        value = signing.Signer(salt=CARD_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def card_valid_on(*, member_id: int, day: dt.date) -> bool:
    """A card is valid on a day when its holder has an adesione in force that day."""
    from mutua.plans.models import Enrollment

    return (
        Enrollment.objects.filter(member_id=member_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def normalize_code(raw: str) -> str | None:
    """The code in its printed form, from what a person typed (any case, spaces, dashes); None if it cannot be one."""
    if len(raw) > MAX_INPUT_LENGTH:
        return None
    chars = re.sub(r"[\s\-.]", "", raw).upper().translate(_LOOKALIKES)
    if not _CODE_CHARS.fullmatch(chars):
        return None
    return "-".join(chars[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def document_verify(code: str) -> VerifiedDocument | None:
    """The document a code was printed on, if the mutual issued it and its subject still matches; else None.

    A receipt stays valid while its claim is out of draft with the same submission time. A membership card stays
    valid while its holder has an adesione in force today. A contribution certificate stays valid while the member
    still has contributions paid in its year, a subsidy certificate while the member still has subsidies received
    in its selection: their amounts are not stored, so the page never confirms figures (it shows none). A
    certificate that listed nothing stays valid while there is still nothing to list.
    """
    normalized = normalize_code(code)
    if normalized is None:
        return None
    issued = IssuedDocument.objects.filter(code=normalized).first()
    if issued is None:
        return None
    if issued.kind == DocumentKind.RECEIPT:
        matches = (
            Claim.objects.filter(pk=issued.object_id, submitted_at=issued.issued_at)
            .exclude(status=ClaimStatus.DRAFT)
            .exists()
        )
    elif issued.kind == DocumentKind.CARD:
        matches = card_valid_on(member_id=issued.object_id, day=timezone.localdate())
    elif issued.kind in (DocumentKind.CONTRIBUTION_CERTIFICATE, DocumentKind.SUBSIDY_CERTIFICATE):
        subject = certificate_subject(issued.object_id)
        listed = _certificate_lists_something(
            kind=issued.kind, member_id=subject.member_id, basis=subject.basis, year=subject.year
        )
        matches = listed is not None and listed != subject.empty
        if matches:
            return VerifiedDocument(
                code=issued.code,
                kind=issued.kind,
                object_id=issued.object_id,
                issued_at=issued.issued_at,
                year=subject.year,
                basis=subject.basis if issued.kind == DocumentKind.SUBSIDY_CERTIFICATE else None,
                empty=subject.empty,
            )
    elif issued.kind == DocumentKind.BOOKING_RECEIPT:  # a booking's receipt: sent, with the same submission time
        from mutua.bookings.models import Booking, BookingStatus

        matches = (
            Booking.objects.filter(pk=issued.object_id, submitted_at=issued.issued_at)
            .exclude(status=BookingStatus.DRAFT)
            .exists()
        )
    else:  # a kind this version does not know how to check
        matches = False
    if not matches:
        return None
    return VerifiedDocument(code=issued.code, kind=issued.kind, object_id=issued.object_id, issued_at=issued.issued_at)


def _certificate_lists_something(*, kind: str, member_id: int, basis: int, year: int) -> bool | None:
    """Whether today's data would put at least one row in the certificate (the same filters as the certificate
    itself); None when the member or the basis no longer makes sense for that kind of certificate."""
    if not Member.objects.filter(pk=member_id).exists():
        return None
    if kind == DocumentKind.CONTRIBUTION_CERTIFICATE:
        from mutua.plans.models import Contribution

        if basis != BASIS_CONTRIBUTIONS:
            return None
        return Contribution.objects.filter(member_id=member_id, paid_on__year=year, amount_paid__gt=0).exists()
    from mutua.claims.models import Settlement

    received = Settlement.objects.filter(document__claim__member_id=member_id, paid_on__isnull=False, amount_paid__gt=0)
    if basis == BASIS_COMPETENCE:
        return received.filter(competence_year=year).exists()
    if basis == BASIS_PAYMENT:
        return received.filter(payment_year=year).exists()
    return None
