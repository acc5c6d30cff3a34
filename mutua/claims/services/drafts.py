"""The member's "Richiesta di rimborso": the draft kept on the server, its documents and files, the submission
(merged into the open claim by the guide's rule), cancelling, and "Aggiungi documenti" on a suspended claim."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.claims.models import (
    REIMBURSEMENT_KINDS,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    ClaimSubmission,
    FileReading,
    claim_family,
)
from mutua.claims.notices import documents_merged_notify
from mutua.claims.reading import loose_readings_delete, readings_attach
from mutua.claims.selectors import open_claim_for_member
from mutua.claims.services.transitions import ClaimError, InvalidTransition, claim_transition
from mutua.members.models import Beneficiary, Member, MemberKind


def draft_start(*, member: Member, actor: User, study_subsidy: bool = False) -> Claim:
    """The member's draft of this family (reimbursement or study subsidy), created on first use; one at a time."""
    kinds = (ClaimKind.STUDY_SUBSIDY,) if study_subsidy else REIMBURSEMENT_KINDS
    if study_subsidy and not study_subsidy_allowed(member=member):
        raise ClaimError(_("I sussidi allo studio sono riservati ai soci ordinari."))
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()  # serialise with submissions
        draft = Claim.objects.filter(member=member, status=ClaimStatus.DRAFT, kind__in=kinds).first()
        if draft is None:
            draft = Claim.objects.create(member=member, kind=kinds[0], status=ClaimStatus.DRAFT)
            audit_record(action="claim.draft_started", actor=actor, member=member, claim=draft.pk)
    return draft


def study_subsidy_allowed(*, member: Member) -> bool:
    """Study subsidies are for ordinary members only (not beneficiaries of collective agreements)."""
    return member.kind == MemberKind.ORDINARY


def draft_set_region(*, claim: Claim, region: str, actor: User) -> Claim:
    """The region of the school, asked in a study subsidy's preliminary data."""
    from mutua.core.provinces import regions

    if claim.kind != ClaimKind.STUDY_SUBSIDY or region not in regions():
        raise ClaimError(_("Scegli una regione dall'elenco."))
    with transaction.atomic():
        locked = _editable(claim)
        locked.region = region
        locked.save(update_fields=["region", "updated_at"])
    return locked


def _editable(claim: Claim) -> Claim:
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != ClaimStatus.DRAFT:
        raise ClaimError(_("La pratica è già stata inviata: non si può più modificare."))
    return locked


def draft_set_kind(*, claim: Claim, kind: str, actor: User) -> Claim:
    """Standard or Intervento chirurgico, chosen in the preliminary data."""
    if kind not in claim_family(claim.kind):
        raise ClaimError(_("Tipo di pratica non valido."))
    with transaction.atomic():
        locked = _editable(claim)
        if locked.kind != kind:
            locked.kind = kind
            locked.save(update_fields=["kind", "updated_at"])
    return locked


def _store_files(*, document: ClaimDocument, files: Sequence[UploadedFile[Any]]) -> list[Attachment]:
    """Check every file by content first; store them only if all are acceptable (nothing half-saved)."""
    from mutua.documents.uploads import uploads_check, uploads_save

    if not files:
        raise ClaimError(_("Allega almeno un file del documento (pdf, jpg, jpeg, tif o tiff)."))
    accepted, problems = uploads_check(files)
    if problems:
        raise FilesRejected(problems)
    stored = uploads_save(accepted, build=functools.partial(Attachment, document=document))
    if settings.DOCUMENT_READING:
        readings_attach(claim=document.claim, attachments=stored)
    return stored


class FilesRejected(ClaimError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class DocumentData:
    """The validated fields of one document, as the document form cleans them."""

    doc_type: str
    number: str
    issue_date: dt.date
    amount: Decimal | None
    provider_province: str
    provider_name: str
    beneficiary: Beneficiary | None
    notes: str
    school_type: str = ""
    grade: int | None = None
    grade_honours: bool = False

    def as_fields(self) -> dict[str, object]:
        return {
            "school_type": self.school_type,
            "grade": self.grade,
            "grade_honours": self.grade_honours,
            "doc_type": self.doc_type,
            "number": self.number,
            "issue_date": self.issue_date,
            "amount": self.amount,
            "provider_province": self.provider_province,
            "provider_name": self.provider_name,
            "beneficiary": self.beneficiary,
            "notes": self.notes,
        }


def document_add(*, claim: Claim, actor: User, data: DocumentData, files: Sequence[UploadedFile[Any]]) -> ClaimDocument:
    """ "Carica documento": the document and its files are saved together, or not at all."""
    with transaction.atomic():
        locked = _editable(claim)
        document = ClaimDocument.objects.create(claim=locked, **data.as_fields())
        _store_files(document=document, files=files)
        locked.save(update_fields=["updated_at"])
    return document


def attachment_add(*, document: ClaimDocument, actor: User, files: Sequence[UploadedFile[Any]]) -> list[Attachment]:
    with transaction.atomic():
        _editable(document.claim)
        return _store_files(document=document, files=files)


def attachment_remove(*, attachment: Attachment, actor: User) -> None:
    """A document keeps at least one file: the guide makes the attachments mandatory."""
    with transaction.atomic():
        _editable(attachment.document.claim)
        if attachment.document.attachments.count() <= 1:
            raise ClaimError(
                _(
                    "Un documento deve avere almeno un file: "
                    "aggiungi prima il file giusto, oppure cancella il documento."
                )
            )
        attachment.delete()
    attachment.file.delete(save=False)


def document_delete(*, document: ClaimDocument, actor: User) -> None:
    with transaction.atomic():
        _editable(document.claim)
        files = [a.file for a in document.attachments.all()]
        document.delete()
    for f in files:
        f.delete(save=False)


@dataclass(frozen=True)
class SubmitResult:
    claim: Claim
    merged: bool  # the documents joined a claim that was already open
    document_count: int
    repeated: bool = False  # the same submission arrived again: nothing new was done


def claim_submit(*, member: Member, token: uuid.UUID | str, actor: User) -> SubmitResult:
    """ "Invia pratica": one transaction, idempotent on the draft's token.

    If the member already has a claim that is submitted, in review or suspended, the draft's documents
    join it (the guide's rule) and the draft disappears; otherwise the draft itself is submitted.
    The member row lock makes two concurrent submissions produce one open claim.
    """
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        done = ClaimSubmission.objects.select_related("claim").filter(token=token, claim__member=member).first()
        if done is not None:
            return SubmitResult(claim=done.claim, merged=done.merged, document_count=done.document_count, repeated=True)
        draft = (
            Claim.objects.select_for_update()
            .filter(member=member, token=token, status=ClaimStatus.DRAFT)
            .prefetch_related("documents__attachments")
            .first()
        )
        if draft is None:
            raise ClaimError(_("Non c'è una pratica in bozza da inviare: forse è già stata inviata."))
        documents = list(draft.documents.all())
        if draft.kind == ClaimKind.STUDY_SUBSIDY and not draft.region:
            raise ClaimError(_("Indica la regione nei dati preliminari prima di inviare la richiesta."))
        if not documents:
            raise ClaimError(_("Carica almeno un documento prima di inviare la pratica."))
        for document in documents:
            if not document.attachments.all():
                raise ClaimError(
                    _("Il documento %(doc)s non ha file allegati: aggiungili o cancella il documento.")
                    % {"doc": document}
                )
        loose_readings_delete(claim=draft)
        open_claim = open_claim_for_member(member=member, kind=draft.kind).select_for_update().first()
        if open_claim is None:
            claim = claim_transition(claim=draft, to_status=ClaimStatus.SUBMITTED, actor=actor)
            merged = False
        else:
            ClaimDocument.objects.filter(claim=draft).update(claim=open_claim)
            FileReading.objects.filter(claim=draft).update(claim=open_claim)  # the files' readings go with them
            ClaimEvent.objects.create(
                claim=open_claim,
                actor=actor,
                from_status=open_claim.status,
                to_status=open_claim.status,
                note=_("Aggiunti %(n)d documenti inviati dal socio.") % {"n": len(documents)},
            )
            audit_record(action="claim.documents_merged", actor=actor, member=member, claim=open_claim.pk)
            documents_merged_notify(member_id=member.pk, claim_id=open_claim.pk, count=len(documents))
            draft.delete()
            open_claim.save(update_fields=["updated_at"])
            claim, merged = open_claim, True
        ClaimSubmission.objects.create(token=token, claim=claim, merged=merged, document_count=len(documents))
    return SubmitResult(claim=claim, merged=merged, document_count=len(documents))


def claim_cancel(*, claim: Claim, actor: User) -> Claim:
    """The member may withdraw a claim only while it is still "Trasmessa" (no operator has taken it)."""
    if claim.status != ClaimStatus.SUBMITTED:
        raise ClaimError(_("Si può annullare solo una pratica nello stato «Trasmessa»."))
    try:
        return claim_transition(
            claim=claim, to_status=ClaimStatus.CANCELLED, actor=actor, note=_("Annullata dal socio.")
        )
    except InvalidTransition as exc:  # an operator took it in the meantime
        raise ClaimError(exc.message) from exc


def drafts_purge(*, older_than: dt.timedelta) -> int:
    """Delete drafts untouched for `older_than`, with their files; returns how many."""
    cutoff = timezone.now() - older_than
    count = 0
    for draft in Claim.objects.filter(status=ClaimStatus.DRAFT, updated_at__lt=cutoff).prefetch_related(
        "documents__attachments"
    ):
        files = [a.file for d in draft.documents.all() for a in d.attachments.all()]
        with transaction.atomic():
            loose_readings_delete(claim=draft)
            draft.delete()
        for f in files:
            f.delete(save=False)
        count += 1
    return count


def claim_add_documents(*, claim: Claim, actor: User, data: DocumentData, files: Sequence[UploadedFile[Any]]) -> Claim:
    """ "Aggiungi documenti" on a suspended claim: the document joins it and the claim goes back to review."""
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUSPENDED:
            raise ClaimError(_("Si possono aggiungere documenti solo a una pratica sospesa."))
        if locked.block_reason:
            raise ClaimError(
                _("La pratica è sospesa per un blocco amministrativo: per sbloccarla contatta la tua sede.")
            )
        document = ClaimDocument.objects.create(claim=locked, **data.as_fields())
        _store_files(document=document, files=files)
        return claim_transition(
            claim=locked, to_status=ClaimStatus.IN_REVIEW, actor=actor, note=_("Documenti aggiunti dal socio.")
        )
