"""The receipt (ricevuta) of a submitted claim: what was sent, by whom, when, with a code anyone can verify."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from mutua.claims.models import Claim, ClaimDocument, ClaimStatus, DocumentType
from mutua.core.formatting import format_date, format_eur
from mutua.documents.issued import receipt_closing, receipt_header
from mutua.documents.issued import receipt_verification_url as receipt_verification_url  # re-exported
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.pdf import CONTENT_WIDTH, Column, Row
from mutua.documents.verification import VerifiedDocument, document_issue
from mutua.members.printing import member_code_label

ROME = ZoneInfo("Europe/Rome")
NO_VALUE = "—"


def claim_for_receipt(claim_id: int) -> Claim:
    """The claim with its member, documents, their family member and files: everything the receipt prints."""
    documents = ClaimDocument.objects.select_related("beneficiary").prefetch_related("attachments")
    return (
        Claim.objects.select_related("member")
        .prefetch_related(Prefetch("documents", queryset=documents))
        .get(pk=claim_id)
    )


def mask_iban(iban: str) -> str:
    """The IBAN with every character hidden but the last 4, grouped by 4 from the end: "*** **** … **** 3456"."""
    compact = "".join(iban.split()).upper()
    if len(compact) <= 4:
        return compact
    masked = "*" * (len(compact) - 4) + compact[-4:]
    groups: list[str] = []
    while masked:
        groups.insert(0, masked[-4:])
        masked = masked[:-4]
    return " ".join(groups)


def receipt_pdf(*, claim: Claim) -> bytes:
    """The receipt of a claim that has been submitted (any status but draft), as A4 PDF pages.

    The claim is read again through `claim_for_receipt`, so the receipt shows what is stored, in a constant
    number of queries. The first generation records the verification code (IssuedDocument); later ones reuse it.
    Raises ValueError for a draft: a receipt exists only from submission.
    """
    claim = claim_for_receipt(claim.pk)
    if claim.status == ClaimStatus.DRAFT or claim.submitted_at is None:
        raise ValueError(f"claim {claim.pk} has not been submitted: it has no receipt")
    code = document_issue(kind=DocumentKind.RECEIPT, object_id=claim.pk, issued_at=claim.submitted_at)
    member = claim.member
    documents = list(claim.documents.all())
    submitted = claim.submitted_at.astimezone(ROME)

    pdf = receipt_header(
        title=_("Ricevuta di trasmissione della pratica"),
        subject=_("Pratica %(id)s") % {"id": claim.pk},
        footer_note=_("Codice di verifica %(code)s · pratica n. %(id)s") % {"code": code, "id": claim.pk},
        code=code,
        fields=[
            (_("ID Pratica"), str(claim.pk)),
            (_("Trasmessa il"), submitted.strftime("%d/%m/%Y %H:%M")),
            (_("Tipo di pratica"), claim.get_kind_display()),
            (_("Socio"), member.full_name),
            (member_code_label(member), member.code),
            (_("Codice fiscale"), member.fiscal_code),
            (_("IBAN per il pagamento"), mask_iban(member.iban) if member.iban else _("non indicato")),
            (_("Documenti trasmessi"), str(len(documents))),
        ],
        label_width=140,
    )
    pdf.space(14)

    pdf.heading(_("Documenti"), size=12)
    columns = [
        Column(_("N."), 22),
        Column(_("Documento"), 150),
        Column(_("Intestatario"), 105),
        Column(_("Fornitore"), 158),
        Column(_("Importo"), CONTENT_WIDTH - 435, align="right"),
    ]
    pdf.table(columns, _document_rows(documents, member.full_name))
    total = sum((doc.amount for doc in documents if doc.amount is not None), Decimal(0))
    pdf.total_line(_("Totale degli importi"), format_eur(total))
    return receipt_closing(
        pdf,
        statement=_(
            "Questa ricevuta attesta che la pratica è stata trasmessa con i documenti elencati; non attesta il "
            "diritto al rimborso, il cui esito è comunicato nell'area soci."
        ),
        code=code,
    )


def _document_rows(documents: list[ClaimDocument], member_name: str) -> Iterator[Row]:
    # Translations looked up once: a claim may carry dozens of documents.
    types = {value: str(label) for value, label in DocumentType.choices}
    numbered, issued_on = _("%(type)s n. %(number)s"), _("del %(date)s")
    files_label, no_files = _("File: %(names)s"), _("Nessun file allegato")
    for position, doc in enumerate(documents, start=1):
        label = types.get(doc.doc_type, doc.doc_type)
        if doc.number:
            label = numbered % {"type": label, "number": doc.number}
        holder = f"{doc.beneficiary.first_name} {doc.beneficiary.last_name}" if doc.beneficiary else member_name
        provider = doc.provider_name or NO_VALUE
        if doc.provider_name and doc.provider_province:
            provider = f"{doc.provider_name} ({doc.provider_province})"
        files = [attachment.original_name for attachment in doc.attachments.all()]
        yield Row(
            cells=[
                f"{position}.",
                label + "\n" + issued_on % {"date": format_date(doc.issue_date)},
                holder,
                provider,
                format_eur(doc.amount) if doc.amount is not None else NO_VALUE,
            ],
            note=files_label % {"names": ", ".join(files)} if files else no_files,
        )


def receipt_check(issued: IssuedDocument) -> VerifiedDocument | None:
    """/verifica/: a receipt stays valid while its claim is out of draft with the same submission time."""
    sent = Claim.objects.filter(pk=issued.object_id, submitted_at=issued.issued_at).exclude(status=ClaimStatus.DRAFT)
    if not sent.exists():
        return None
    return VerifiedDocument(code=issued.code, kind=issued.kind, object_id=issued.object_id, issued_at=issued.issued_at)
