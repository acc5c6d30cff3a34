""" "Liquida": the settlement of a claim in review by the plan's coverage rules (mutua.plans.coverage), and the
approval of a study subsidy with the fixed amount of the call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.claims.models import (
    Claim,
    ClaimDocument,
    ClaimKind,
    ClaimStatus,
    SchoolType,
    Settlement,
    StudySubsidyRate,
)
from mutua.claims.quarantine import settlement_blocked_by_files
from mutua.claims.services.transitions import ClaimError, InvalidTransition, claim_transition
from mutua.core.formatting import format_eur
from mutua.members.models import Member
from mutua.plans.coverage import CoverageRules, Expense, Outcome, Used, rules_for_plan, settlement_compute
from mutua.plans.models import Enrollment


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
        blocked = settlement_blocked_by_files(locked)
        if blocked:
            raise ClaimError(blocked)
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
        blocked = settlement_blocked_by_files(locked)
        if blocked:
            raise ClaimError(blocked)
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
