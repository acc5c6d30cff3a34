"""Claim operations. Every change of a claim's status goes through `claim_transition`."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.claims.models import (
    REIMBURSEMENT_KINDS,
    TRANSITIONS,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    ClaimSubmission,
    ClaimSuspension,
    SchoolType,
    Settlement,
    StudySubsidyRate,
    SuspensionKind,
    claim_family,
)
from mutua.claims.notices import claim_status_notify, documents_merged_notify, suspension_reminder_notify
from mutua.claims.selectors import open_claim_for_member
from mutua.core.formatting import format_date, format_eur
from mutua.members.models import Beneficiary, Member, MemberKind
from mutua.plans.coverage import CoverageRules, Expense, Outcome, Used, rules_for_plan, settlement_compute
from mutua.plans.models import Enrollment


class InvalidTransition(Exception):
    """The claim cannot move from its current status to the one asked; the message is for people."""

    def __init__(self, *, claim: Claim, from_status: str, to_status: str) -> None:
        self.claim = claim
        self.from_status = from_status
        self.to_status = to_status
        self.message = _("La pratica %(id)s è %(from)s: non può passare allo stato %(to)s.") % {
            "id": claim.pk,
            "from": ClaimStatus(from_status).label.lower(),
            "to": ClaimStatus(to_status).label.lower() if to_status in ClaimStatus.values else to_status,
        }
        super().__init__(self.message)


def claim_transition(
    *,
    claim: Claim,
    to_status: str,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
    deadline: dt.date | None = None,
) -> Claim:
    """Move the claim along one edge of TRANSITIONS and record who did it; `actor` None is the system.

    The row is locked, so two operators acting at once cannot both move it. `at` replays a move that
    happened in the past (registry import, demo data); it defaults to now. `deadline` is the date the member
    must act by (a suspension for documents), told to them in every channel.
    """
    when = at or timezone.now()
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        from_status = locked.status
        if to_status not in TRANSITIONS.get(from_status, frozenset()):
            raise InvalidTransition(claim=locked, from_status=from_status, to_status=to_status)
        locked.status = to_status
        fields = ["status", "updated_at"]
        if to_status == ClaimStatus.SUBMITTED:
            locked.submitted_at = when
            fields.append("submitted_at")
        if from_status == ClaimStatus.SUSPENDED:  # leaving "Sospesa" ends the suspension and any block
            ClaimSuspension.objects.filter(claim=locked, ended_at=None).update(ended_at=when)
            if locked.block_reason:
                locked.block_reason = ""
                fields.append("block_reason")
        locked.save(update_fields=fields)
        ClaimEvent.objects.create(
            claim=locked, actor=actor, from_status=from_status, to_status=to_status, note=note, created_at=when
        )
        audit_record(
            action="claim.status",
            actor=actor,
            member=claim.member,  # a claim never changes member: the caller's copy saves a query
            claim=locked.pk,
            from_status=from_status,
            to_status=to_status,
        )
        if at is None:  # a replayed past move (demo, registry import) must not message the member today
            claim_status_notify(claim=locked, to_status=to_status, note=note, deadline=deadline)
    return locked


# --- Drafts, documents and submission (the member's "Richiesta di rimborso") ----------------------------


class ClaimError(Exception):
    """A member action on a claim that cannot be done; the message is for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    return uploads_save(accepted, build=functools.partial(Attachment, document=document))


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
        open_claim = open_claim_for_member(member=member, kind=draft.kind).select_for_update().first()
        if open_claim is None:
            claim = claim_transition(claim=draft, to_status=ClaimStatus.SUBMITTED, actor=actor)
            merged = False
        else:
            ClaimDocument.objects.filter(claim=draft).update(claim=open_claim)
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


# --- Back office: the operators' moves (mutua.backoffice) -----------------------------------------------


def claim_take(*, claim: Claim, actor: User) -> Claim:
    """ "Prendi in carico": a sent claim goes to "In lavorazione", assigned to the operator who took it.

    A claim already in review with nobody in charge (older data) is assigned without a move. The row is
    locked: of two operators taking the same claim at once, the second finds it already in charge of the
    first and gets InvalidTransition, so the claim has one assignee.
    """
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if not current.awaits_operator:  # a suspended claim is resumed, never "taken" again
            raise InvalidTransition(claim=current, from_status=current.status, to_status=ClaimStatus.IN_REVIEW)
        if current.status == ClaimStatus.IN_REVIEW:
            _assign(claim=current, actor=actor)
            return current
        locked = claim_transition(claim=current, to_status=ClaimStatus.IN_REVIEW, actor=actor)
        locked.assigned_to = actor
        locked.save(update_fields=["assigned_to", "updated_at"])
    return locked


def _assign(*, claim: Claim, actor: User) -> None:
    """Put `actor` in charge of a claim in review, with an event and an audit row; the caller holds the row lock.

    A claim in review always has an operator in charge: whoever takes one that has nobody, or resumes a
    suspended one (nobody's, a colleague's), answers for it from now on.
    """
    previous = claim.assigned_to_id
    if previous == actor.pk:
        return
    claim.assigned_to = actor
    claim.save(update_fields=["assigned_to", "updated_at"])
    ClaimEvent.objects.create(
        claim=claim, actor=actor, from_status=claim.status, to_status=claim.status, note=_("Presa in carico.")
    )
    audit_record(
        action="claim.assigned",
        actor=actor,
        member=claim.member,
        claim=claim.pk,
        assigned_to=actor.pk,
        previous=previous,
    )


SUSPENSION_MAX_DAYS = 180  # a deadline further away than this is a typing mistake


def claim_suspend_for_documents(*, claim: Claim, actor: User, items: Sequence[str], deadline: dt.date) -> Claim:
    """Suspend a claim in review until the member adds the listed documents, by `deadline` (a future date).

    The member reads the list and the deadline on the claim's page; e-mail and SMS carry only the deadline.
    """
    items = [item.strip() for item in items if item.strip()]
    if not items:
        raise ClaimError(_("Indica almeno un documento da integrare."))
    today = timezone.localdate()
    if deadline <= today:
        raise ClaimError(_("Il termine deve essere una data futura."))
    if deadline > today + dt.timedelta(days=SUSPENSION_MAX_DAYS):
        raise ClaimError(_("Il termine non può superare %(n)d giorni da oggi.") % {"n": SUSPENSION_MAX_DAYS})
    with translation.override(settings.LANGUAGE_CODE):  # the member reads it, whatever the operator's language
        note = _("Documenti da integrare: %(items)s. Termine: %(deadline)s.") % {
            "items": "; ".join(items),
            "deadline": format_date(deadline),
        }
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.IN_REVIEW:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.SUSPENDED)
        ClaimSuspension.objects.create(
            claim=locked, kind=SuspensionKind.DOCUMENTS, items=items, deadline=deadline, created_by=actor
        )
        return claim_transition(
            claim=locked, to_status=ClaimStatus.SUSPENDED, actor=actor, note=note, deadline=deadline
        )


def claim_block(*, claim: Claim, actor: User, reason: str) -> Claim:
    """Suspend a claim in review for an administrative block; the member reads `reason` (portal, e-mail, SMS).

    The reason is saved before the move, so the member's notification announces a block, not missing documents.
    """
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Scrivi il motivo del blocco: il socio lo leggerà."))
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.IN_REVIEW:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.SUSPENDED)
        locked.block_reason = reason
        locked.save(update_fields=["block_reason", "updated_at"])
        ClaimSuspension.objects.create(claim=locked, kind=SuspensionKind.BLOCK, reason=reason, created_by=actor)
        return claim_transition(claim=locked, to_status=ClaimStatus.SUSPENDED, actor=actor, note=reason)


def claim_resume(*, claim: Claim, actor: User, note: str = "") -> Claim:
    """An operator lifts a suspension (a block removed, documents received another way): back to review, in the
    charge of the operator who resumed it."""
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUSPENDED:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.IN_REVIEW)
        resumed = claim_transition(
            claim=locked,
            to_status=ClaimStatus.IN_REVIEW,
            actor=actor,
            note=note.strip() or _resumed_note(),
        )
        _assign(claim=resumed, actor=actor)
        return resumed


def _resumed_note() -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the member reads it on the claim's page
        return _("Ripresa la lavorazione.")


def claim_reject(*, claim: Claim, actor: User, reason: str) -> Claim:
    """ "Respingi": the member reads the reason on the claim's page."""
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Scrivi il motivo: il socio lo leggerà."))
    return claim_transition(claim=claim, to_status=ClaimStatus.REJECTED, actor=actor, note=reason)


def claim_cancel_by_operator(*, claim: Claim, actor: User, reason: str) -> Claim:
    """The office cancels a claim (a duplicate, a claim sent by mistake), with the reason the member reads."""
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Scrivi il motivo: il socio lo leggerà."))
    return claim_transition(claim=claim, to_status=ClaimStatus.CANCELLED, actor=actor, note=reason)


def suspension_reminders_send(*, days_before: int, today: dt.date | None = None) -> int:
    """Remind members whose documents are due within `days_before` days; one reminder per suspension, ever.

    Each suspension row is locked and stamped in the transaction that queues its messages, so two runs at
    once, or a run repeated the same day, remind nobody twice. Returns how many were reminded.
    """
    today = today or timezone.localdate()
    due = ClaimSuspension.objects.filter(
        kind=SuspensionKind.DOCUMENTS,
        ended_at=None,
        reminded_at=None,
        claim__status=ClaimStatus.SUSPENDED,
        deadline__gte=today,
        deadline__lte=today + dt.timedelta(days=days_before),
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        with transaction.atomic():
            suspension = (
                ClaimSuspension.objects.select_for_update()
                .select_related("claim__member")
                .filter(pk=pk, reminded_at=None, ended_at=None)
                .first()
            )
            if suspension is None or suspension.deadline is None:
                continue
            member_id = suspension.claim.member_id
            suspension_reminder_notify(member_id=member_id, claim_id=suspension.claim_id, deadline=suspension.deadline)
            suspension.reminded_at = timezone.now()
            suspension.save(update_fields=["reminded_at"])
            audit_record(
                action="claim.suspension_reminder",
                actor=None,
                member=suspension.claim.member,
                claim=suspension.claim_id,
            )
            count += 1
    return count


# --- Liquida: the settlement of a claim in review (mutua.plans.coverage) -----------------------------------


@dataclass(frozen=True)
class SettlementLine:
    """One document of the claim with what the plan's rules give and the ceilings before it."""

    document: ClaimDocument
    plan_name: str
    outcome: Outcome
    beneficiary_used_before: Decimal
    family_used_before: Decimal
    beneficiary_ceiling: Decimal | None
    family_ceiling: Decimal | None

    @property
    def beneficiary_left_before(self) -> Decimal | None:
        c = self.beneficiary_ceiling
        return None if c is None else max(c - self.beneficiary_used_before, Decimal("0.00"))

    @property
    def family_left_before(self) -> Decimal | None:
        c = self.family_ceiling
        return None if c is None else max(c - self.family_used_before, Decimal("0.00"))


@dataclass(frozen=True)
class SettlementFigures:
    """The operator's figures for one document; `reason` is required when they differ from the computed ones."""

    admitted: Decimal
    withheld: Decimal
    paid: Decimal
    reason: str = ""


class SettlementRejected(ClaimError):
    """Some figures cannot be accepted; `errors` maps a document id to {field: message} for the form."""

    def __init__(self, errors: dict[int, dict[str, str]]) -> None:
        super().__init__(_("Controlla gli importi indicati."))
        self.errors = errors


def _plan_lookup(claim: Claim) -> Callable[[ClaimDocument], tuple[Enrollment | None, CoverageRules]]:
    enrollments = list(
        Enrollment.objects.filter(member_id=claim.member_id)
        .select_related("plan")
        .prefetch_related("plan__document_limits", "beneficiaries")
        .order_by("start_date", "pk")
    )

    def lookup(document: ClaimDocument) -> tuple[Enrollment | None, CoverageRules]:
        for enrollment in enrollments:
            if enrollment.start_date <= document.issue_date and (
                enrollment.end_date is None or enrollment.end_date >= document.issue_date
            ):
                return enrollment, rules_for_plan(enrollment.plan)
        return None, CoverageRules()

    return lookup


def claim_settlement_lines(
    *, claim: Claim, figures: Mapping[int, SettlementFigures] | None = None
) -> list[SettlementLine]:
    """What each document with an amount would be paid under the member's plan in force on its date.

    The year's ceilings count what was already paid to the member's family for expenses of that year, then
    each earlier document of this claim, with the operator's `figures` where given. Caller may hold locks.
    """
    documents = [d for d in claim.documents.select_related("beneficiary").order_by("issue_date", "pk") if d.amount]
    years = {d.issue_date.year for d in documents}
    paid_before: dict[tuple[int, int | None], Decimal] = {}
    for year, beneficiary_id, amount in (
        Settlement.objects.filter(document__claim__member_id=claim.member_id, competence_year__in=years)
        .exclude(document__claim=claim)
        .exclude(document__claim__kind=ClaimKind.STUDY_SUBSIDY)  # study grants are not health-plan benefits
        .values_list("competence_year", "document__beneficiary_id", "amount_paid")
    ):
        paid_before[(year, beneficiary_id)] = paid_before.get((year, beneficiary_id), Decimal("0.00")) + amount
    lookup = _plan_lookup(claim)
    submitted_on = timezone.localdate(claim.submitted_at) if claim.submitted_at else timezone.localdate()
    lines = []
    for document in documents:
        year = document.issue_date.year
        enrollment, rules = lookup(document)
        covered = document.beneficiary_id is None or (
            enrollment is not None and any(b.pk == document.beneficiary_id for b in enrollment.beneficiaries.all())
        )
        used = Used(
            beneficiary=paid_before.get((year, document.beneficiary_id), Decimal("0.00")),
            family=sum((v for (y, _b), v in paid_before.items() if y == year), Decimal("0.00")),
        )
        outcome = settlement_compute(
            rules=rules,
            expense=Expense(
                doc_type=document.doc_type,
                amount=document.amount or Decimal("0.00"),
                issue_date=document.issue_date,
                submitted_on=submitted_on,
                enrolled_on=enrollment.start_date if enrollment else None,
                beneficiary_covered=covered,
            ),
            used=used,
        )
        lines.append(
            SettlementLine(
                document=document,
                plan_name=enrollment.plan.name if enrollment else "",
                outcome=outcome,
                beneficiary_used_before=used.beneficiary,
                family_used_before=used.family,
                beneficiary_ceiling=rules.beneficiary_ceiling,
                family_ceiling=rules.family_ceiling,
            )
        )
        chosen = (figures or {}).get(document.pk)
        paid = chosen.paid if chosen is not None else outcome.paid
        key = (year, document.beneficiary_id)
        paid_before[key] = paid_before.get(key, Decimal("0.00")) + paid
    return lines


def _check_figures(line: SettlementLine, figures: SettlementFigures) -> dict[str, str]:
    out = line.outcome
    errors: dict[str, str] = {}
    if figures.admitted < 0 or figures.admitted > out.requested:
        errors["admitted"] = _("L'importo ammesso deve essere tra € 0,00 e l'importo richiesto.")
    if figures.withheld < 0 or figures.withheld > figures.admitted:
        errors["withheld"] = _("La franchigia o lo scoperto non può superare l'importo ammesso.")
    if figures.paid < 0 or figures.paid > figures.admitted - figures.withheld:
        errors["paid"] = _("L'importo liquidato non può superare l'ammesso meno franchigia e scoperto.")
    else:
        for left in (line.beneficiary_left_before, line.family_left_before):
            if left is not None and figures.paid > left:
                errors["paid"] = _("L'importo liquidato supera il massimale annuo residuo (%(left)s).") % {
                    "left": format_eur(left)
                }
                break
    changed = (figures.admitted, figures.withheld, figures.paid) != (out.admitted, out.withheld, out.paid)
    if changed and not figures.reason.strip():
        errors["reason"] = _("Hai cambiato gli importi calcolati: scrivi il motivo, il socio lo leggerà.")
    return errors


def claim_settle(*, claim: Claim, actor: User, figures: Mapping[int, SettlementFigures] | None = None) -> Claim:
    """ "Liquida": a claim in review gets one Settlement per document with an amount, and becomes "Liquidata".

    Amounts come from the plan's rules (mutua.plans.coverage); the operator may change them within the
    admitted amount and the ceilings left, with a reason the member reads. The member row is locked first, so
    claims of the same family settled at once count each other's ceilings; the claim row lock makes two
    operators settling the same claim produce one settlement.
    """
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=claim.member_id).first()
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.IN_REVIEW:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.SETTLED)
        lines = claim_settlement_lines(claim=locked, figures=figures)
        if not lines:
            raise ClaimError(_("La pratica non ha documenti con un importo da liquidare."))
        errors: dict[int, dict[str, str]] = {}
        rows = []
        for line in lines:
            out = line.outcome
            chosen = (figures or {}).get(line.document.pk) or SettlementFigures(
                admitted=out.admitted, withheld=out.withheld, paid=out.paid
            )
            problems = _check_figures(line, chosen)
            if problems:
                errors[line.document.pk] = problems
                continue
            changed = (chosen.admitted, chosen.withheld, chosen.paid) != (out.admitted, out.withheld, out.paid)
            reason = chosen.reason.strip() if changed or chosen.reason.strip() else " ".join(out.reasons)
            rows.append(
                Settlement(
                    document=line.document,
                    amount_requested=out.requested,
                    amount_admitted=chosen.admitted,
                    amount_withheld=chosen.withheld,
                    amount_paid=chosen.paid,
                    reason=reason,
                    competence_year=line.document.issue_date.year,
                )
            )
        if errors:
            raise SettlementRejected(errors)
        total = sum((row.amount_paid for row in rows), Decimal("0.00"))
        if total <= 0:
            raise ClaimError(_("Non c'è nulla da pagare: se la pratica non è rimborsabile, respingila con il motivo."))
        Settlement.objects.bulk_create(rows)
        audit_record(
            action="claim.settled",
            actor=actor,
            member=claim.member,
            claim=locked.pk,
            documents=len(rows),
            total=str(total),
        )
        return claim_transition(
            claim=locked,
            to_status=ClaimStatus.SETTLED,
            actor=actor,
            note=_("Liquidati %(amount)s.") % {"amount": format_eur(total)},
        )


# --- Sussidi allo studio: approval with the fixed amount of the call ----------------------------------------


@dataclass(frozen=True)
class StudySubsidyLine:
    """One certificate of a study subsidy with the fixed amount of its level in the call of its year (or None)."""

    document: ClaimDocument
    rate: StudySubsidyRate | None

    @property
    def call_year(self) -> int:
        return self.document.issue_date.year


def study_subsidy_lines(*, claim: Claim) -> list[StudySubsidyLine]:
    """The certificates of a study-subsidy claim, each with the call's fixed amount for its school level."""
    certificates = list(
        claim.documents.exclude(school_type="").select_related("beneficiary").order_by("issue_date", "pk")
    )
    years = {d.issue_date.year for d in certificates}
    rates = {(r.school_type, r.call_year): r for r in StudySubsidyRate.objects.filter(call_year__in=years)}
    return [StudySubsidyLine(document=d, rate=rates.get((d.school_type, d.issue_date.year))) for d in certificates]


def claim_study_subsidy_approve(*, claim: Claim, actor: User) -> Claim:
    """ "Approva" a study subsidy in review: each certificate is paid the fixed amount of its school level in the
    call of the certificate's year, and the claim becomes "Liquidata"; the payment batches then pay it.

    Refused whole when a certificate's level has no amount for that year: the call is not set up yet.
    """
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=claim.member_id).first()
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.kind != ClaimKind.STUDY_SUBSIDY:
            raise ClaimError(_("Solo un sussidio allo studio si approva con l'importo fisso del bando."))
        if locked.status != ClaimStatus.IN_REVIEW:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.SETTLED)
        lines = study_subsidy_lines(claim=locked)
        if not lines:
            raise ClaimError(_("La pratica non ha certificati scolastici da approvare."))
        missing = [line for line in lines if line.rate is None]
        if missing:
            line = missing[0]
            raise ClaimError(
                _("Manca l'importo del bando %(year)s per «%(level)s»: chiedi all'amministratore di inserirlo.")
                % {"year": line.call_year, "level": SchoolType(line.document.school_type).label}
            )
        rows = []
        for line in lines:
            assert line.rate is not None  # noqa: S101  # checked above
            amount = line.rate.amount
            rows.append(
                Settlement(
                    document=line.document,
                    amount_requested=amount,
                    amount_admitted=amount,
                    amount_withheld=Decimal("0.00"),
                    amount_paid=amount,
                    reason=_("Importo fisso del bando %(year)s per %(level)s.")
                    % {"year": line.call_year, "level": SchoolType(line.document.school_type).label.lower()},
                    competence_year=line.call_year,
                )
            )
        Settlement.objects.bulk_create(rows)
        total = sum((row.amount_paid for row in rows), Decimal("0.00"))
        audit_record(
            action="claim.settled",
            actor=actor,
            member=claim.member,
            claim=locked.pk,
            documents=len(rows),
            total=str(total),
            study_subsidy=True,
        )
        return claim_transition(
            claim=locked,
            to_status=ClaimStatus.SETTLED,
            actor=actor,
            note=_("Sussidio allo studio approvato: %(amount)s.") % {"amount": format_eur(total)},
        )
