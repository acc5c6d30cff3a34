"""The demo's claims: which claims each member has, in which status, and the moves that brought them there."""

from __future__ import annotations

import datetime as dt

from mutua.claims.models import ClaimKind, ClaimStatus, SuspensionKind
from mutua.core.formatting import format_date, format_eur
from mutua.demo import names
from mutua.demo.catalogue import SURGERY_PLANS
from mutua.demo.claim_documents import _ClaimDocuments
from mutua.demo.specs import _ClaimSpec, _Household, _Step, _Suspension


class _Claims(_ClaimDocuments):
    """Draws each member's claims, their documents and their histories; nothing is written here."""

    # How many days before today each status may have been submitted: (earliest, latest); None = the history start.
    WINDOWS: dict[str, tuple[int | None, int]] = {
        ClaimStatus.DRAFT: (10, 1),
        ClaimStatus.SUBMITTED: (12, 2),
        ClaimStatus.IN_REVIEW: (45, 6),
        ClaimStatus.SUSPENDED: (90, 15),
        ClaimStatus.SETTLED: (60, 25),
        ClaimStatus.PAID: (None, 70),
        ClaimStatus.REJECTED: (None, 14),
        ClaimStatus.CANCELLED: (None, 6),
    }

    def _claims(self, household: _Household) -> list[_ClaimSpec]:
        """Past claims are closed; only the latest can still be open, as the merge rule keeps it."""
        rng = self.rng
        count = rng.choices((0, 1, 2, 3, 4, 5), weights=(15, 25, 25, 20, 10, 5))[0]
        if not count:
            return []
        if household.standing == "unpaid" and rng.random() < 0.5:
            last = ClaimStatus.SUSPENDED
        else:
            last = rng.choices(
                (
                    ClaimStatus.PAID,
                    ClaimStatus.SETTLED,
                    ClaimStatus.SUBMITTED,
                    ClaimStatus.IN_REVIEW,
                    ClaimStatus.SUSPENDED,
                    ClaimStatus.REJECTED,
                    ClaimStatus.CANCELLED,
                ),
                weights=(35, 12, 12, 15, 8, 9, 9),
            )[0]
        earlier = rng.choices(
            (ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.CANCELLED), weights=(80, 10, 10), k=count - 1
        )
        latest = self._submission_day(household, str(last))
        if latest is None:
            return []
        planned: list[tuple[dt.date, str]] = []
        for status in earlier:
            day = self._submission_day(household, status, before=latest - dt.timedelta(days=20))
            if day is not None:
                planned.append((day, status))
        planned.sort()
        planned.append((latest, str(last)))
        return [self._claim(household, status=status, day=day) for day, status in planned]

    def _named_claims(self, household: _Household) -> list[_ClaimSpec]:
        """Fixed statuses for the named members, so every status can be tried with a known account."""
        plan = {
            "new_member": [
                (ClaimStatus.REJECTED, 560, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 330, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 120, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.SUSPENDED, 30, ClaimKind.REIMBURSEMENT_STANDARD),  # a paper claim missing a document
            ],
            # The merge rule: a claim in review and a draft, which "Invia pratica" adds to it.
            "member": [
                (ClaimStatus.PAID, 610, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.REJECTED, 500, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 420, ClaimKind.REIMBURSEMENT_SURGERY),
                (ClaimStatus.CANCELLED, 300, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 200, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.SETTLED, 40, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.IN_REVIEW, 15, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.DRAFT, 3, ClaimKind.REIMBURSEMENT_STANDARD),
            ],
            # Nothing open and no draft: his first claim is a new one, "Trasmessa", as the guide shows it.
            "family_member": [
                (ClaimStatus.PAID, 650, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 380, ClaimKind.REIMBURSEMENT_SURGERY),
                (ClaimStatus.CANCELLED, 240, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 150, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.SETTLED, 35, ClaimKind.REIMBURSEMENT_STANDARD),
            ],
        }[household.key]
        return [
            self._claim(household, status=str(status), day=self.today - dt.timedelta(days=days), kind=str(kind))
            for status, days, kind in plan
        ]

    def _submission_day(self, household: _Household, status: str, before: dt.date | None = None) -> dt.date | None:
        earliest_days, latest_days = self.WINDOWS[status]
        start = max(self.history_start, household.start_date + dt.timedelta(days=30))
        if earliest_days is not None:
            start = max(start, self.today - dt.timedelta(days=earliest_days))
        end = self.today - dt.timedelta(days=latest_days)
        if before is not None:
            end = min(end, before)
        if end < start:
            return None
        return self._random_date(start, end)

    def _claim(self, household: _Household, *, status: str, day: dt.date, kind: str | None = None) -> _ClaimSpec:
        rng = self.rng
        if kind is None:
            surgery = household.plan.code in SURGERY_PLANS and rng.random() < 0.12
            kind = ClaimKind.REIMBURSEMENT_SURGERY if surgery else ClaimKind.REIMBURSEMENT_STANDARD
        created_at = self._at(day - dt.timedelta(days=rng.randint(0, 3)))
        documents = self._documents(household, kind=kind, before=created_at.date())
        spec = _ClaimSpec(household=household, kind=kind, status=status, created_at=created_at, documents=documents)
        if status != ClaimStatus.DRAFT:
            self._history(spec, submitted=self._at(day, after=created_at))
        return spec

    def _history(self, spec: _ClaimSpec, *, submitted: dt.datetime) -> None:
        """The moves that brought the claim to its status, by whom and when."""
        rng = self.rng
        household, status = spec.household, spec.status
        by_member = household.signed_in
        operator = self.operator
        steps = spec.steps
        steps.append(
            _Step(
                ClaimStatus.SUBMITTED,
                household.user if by_member else operator,
                "" if by_member else "Pratica cartacea ricevuta in sede.",
                submitted,
            )
        )
        if status == ClaimStatus.SUBMITTED:
            return
        if status == ClaimStatus.CANCELLED and by_member and rng.random() < 0.6:
            day = submitted.date() + dt.timedelta(days=rng.randint(0, 2))
            steps.append(
                _Step(ClaimStatus.CANCELLED, household.user, "Annullata dal socio.", self._at(day, after=submitted))
            )
            return
        review = self._at(submitted.date() + dt.timedelta(days=rng.randint(1, 4)), after=submitted)
        steps.append(_Step(ClaimStatus.IN_REVIEW, operator, "", review))
        if status == ClaimStatus.IN_REVIEW:
            return
        later = review.date() + dt.timedelta(days=rng.randint(3, 10))
        if status == ClaimStatus.CANCELLED:
            steps.append(
                _Step(
                    ClaimStatus.CANCELLED, operator, "Annullata su richiesta del socio.", self._at(later, after=review)
                )
            )
        elif status == ClaimStatus.REJECTED:
            steps.append(
                _Step(
                    ClaimStatus.REJECTED, operator, rng.choice(names.REJECTION_REASONS), self._at(later, after=review)
                )
            )
        elif status == ClaimStatus.SUSPENDED:
            if household.standing == "unpaid":  # as claim_block records it
                spec.block_reason = names.BLOCK_REASON.format(year=self.today.year)
                note = "Blocco amministrativo: posizione contributiva non regolare."
                suspension = _Suspension(SuspensionKind.BLOCK, reason=spec.block_reason)
            else:  # as claim_suspend_for_documents records it, with the note it writes
                item = rng.choice(names.SUSPENSION_ITEMS)
                deadline = self._deadline(later)
                note = f"Documenti da integrare: {item}. Termine: {format_date(deadline)}."
                suspension = _Suspension(SuspensionKind.DOCUMENTS, items=[item], deadline=deadline)
            steps.append(_Step(ClaimStatus.SUSPENDED, operator, note, self._at(later, after=review), suspension))
        else:  # settled, and perhaps paid
            total = self._settle(spec)
            settled = self._at(review.date() + dt.timedelta(days=rng.randint(5, 20)), after=review)
            spec.settled_at = settled
            steps.append(_Step(ClaimStatus.SETTLED, operator, f"Liquidazione di {format_eur(total)}.", settled))
            if status == ClaimStatus.PAID:
                paid = self._at(settled.date() + dt.timedelta(days=rng.randint(7, 15)), after=settled)
                spec.paid_on = paid.date()
                note = f"Bonifico di {format_eur(total)} con valuta {format_date(spec.paid_on)}."
                steps.append(_Step(ClaimStatus.PAID, None, note, paid))

    def _deadline(self, suspended: dt.date) -> dt.date:
        """The deadline of documents asked on `suspended`: 30 days later, or 60, 90... for an older suspension,
        since the demo's suspended claims still wait for them (a future date, as claim_suspend_for_documents asks)."""
        deadline = suspended + dt.timedelta(days=30)
        while deadline <= self.today:
            deadline += dt.timedelta(days=30)
        return deadline
