"""Verification codes printed on the documents the mutual issues, and their check on the public page /verifica/.

A code is an HMAC of what the document is (kind, object, issue time), so nobody can forge one for a
claim they have not seen. It cannot be turned back into the claim, so the first generation of a document
records it in IssuedDocument; checking a code then also confirms the claim still matches it.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.crypto import salted_hmac

from mutua.claims.models import Claim, ClaimStatus
from mutua.documents.models import DocumentKind, IssuedDocument

SALT = "mutua.documents.verification"
CODE_LENGTH = 16  # base32 characters: 80 bits
MAX_INPUT_LENGTH = 64  # what a person may type around a code: spaces, dashes
_CODE_CHARS = re.compile(r"[A-Z2-7]{16}")
# Letters and digits people mistake for each other when copying from paper; base32 has no 0, 1, 8 or 9.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


@dataclass(frozen=True)
class VerifiedDocument:
    """What the public page may say about a genuine document: nothing about the member, no amounts."""

    code: str
    kind: str
    object_id: int
    issued_at: dt.datetime


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

    A receipt stays valid while its claim is out of draft with the same submission time.
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
    else:  # a kind this version does not know how to check
        matches = False
    if not matches:
        return None
    return VerifiedDocument(code=issued.code, kind=issued.kind, object_id=issued.object_id, issued_at=issued.issued_at)
