"""The demo's claims written: rows in bulk, histories replayed through `claim_transition` as real ones are made,
and the notifications the family member finds."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from mutua.accounts.models import User
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimStatus, ClaimSuspension, Settlement
from mutua.claims.services import claim_transition
from mutua.demo.claim_documents import _ClaimDocuments
from mutua.demo.specs import _ClaimSpec, _DocumentSpec, _Suspension


class _ClaimWriting(_ClaimDocuments):
    """Writes the drawn claims with their documents, scans and settlements, and replays their histories."""

    def _write_claims(self, specs: list[_ClaimSpec]) -> None:
        """Write claims in rounds holding at most one claim per member, each replayed before the next round:
        a member has one draft at a time (a database constraint), and a claim starts as a draft.
        A member's remaining draft, if any, is written in the last round."""
        rounds: list[list[_ClaimSpec]] = []
        seen: dict[int, int] = {}
        for spec in sorted(specs, key=lambda s: (not s.steps, s.created_at)):
            member_key = id(spec.household)
            index = seen.get(member_key, 0)
            seen[member_key] = index + 1
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(spec)
        for batch in rounds:
            self._write_claim_round(batch)

    def _write_claim_round(self, specs: list[_ClaimSpec]) -> None:
        claims = [
            Claim(member=s.household.member, kind=s.kind, block_reason=s.block_reason, created_at=s.created_at)
            for s in specs
        ]
        Claim.objects.bulk_create(claims)
        pairs: list[tuple[ClaimDocument, _DocumentSpec, _ClaimSpec]] = []
        for claim, spec in zip(claims, specs, strict=True):
            for d in spec.documents:
                row = ClaimDocument(
                    claim=claim,
                    doc_type=d.doc_type,
                    number=d.number,
                    issue_date=d.issue_date,
                    amount=d.amount,
                    provider_province=d.provider_province,
                    provider_name=d.provider_name,
                    beneficiary=d.beneficiary,
                    created_at=spec.created_at,
                )
                pairs.append((row, d, spec))
        ClaimDocument.objects.bulk_create([row for row, _, _ in pairs])
        Attachment.objects.bulk_create(
            [attachment for row, d, spec in pairs for attachment in self._attachments(row, d, spec)]
        )
        Settlement.objects.bulk_create(
            [
                Settlement(
                    document=row,
                    amount_requested=d.money.requested,
                    amount_admitted=d.money.admitted,
                    amount_withheld=d.money.withheld,
                    amount_paid=d.money.paid,
                    reason=d.money.reason,
                    competence_year=d.issue_date.year,
                    payment_year=spec.paid_on.year if spec.paid_on else None,
                    paid_on=spec.paid_on,
                    created_at=spec.settled_at or spec.created_at,
                )
                for row, d, spec in pairs
                if d.money is not None
            ]
        )
        # As claim_take and claim_resume do, the operator who moves a claim into review is in charge of it from then
        # on; assigned in one update per operator.
        in_charge: dict[int, list[int]] = {}
        for claim, spec in zip(claims, specs, strict=True):
            spec.claim = claim
            for step in spec.steps:
                if step.suspension is not None:
                    self._suspension_record(claim, step.suspension, by=step.actor, at=step.at)
                claim_transition(claim=claim, to_status=step.to_status, actor=step.actor, note=step.note, at=step.at)
            taken_by = [step.actor for step in spec.steps if step.to_status == ClaimStatus.IN_REVIEW]
            if taken_by and taken_by[-1] is not None:
                in_charge.setdefault(taken_by[-1].pk, []).append(claim.pk)
        for operator_pk, claim_pks in in_charge.items():
            Claim.objects.filter(pk__in=claim_pks).update(assigned_to_id=operator_pk)

    def _suspension_record(self, claim: Claim, suspension: _Suspension, *, by: User | None, at: dt.datetime) -> None:
        """The ClaimSuspension the member's and the office's pages read (documents and deadline, or the block's
        reason), written before the move as the services write it; leaving "Sospesa" closes it."""
        assert by is not None  # an operator suspends, never the system
        ClaimSuspension.objects.create(
            claim=claim,
            kind=suspension.kind,
            items=suspension.items,
            deadline=suspension.deadline,
            reason=suspension.reason,
            created_by=by,
            created_at=at,
        )

    def _family_notifications(self, specs: list[_ClaimSpec]) -> None:
        """The family member's bell: his latest paid claim (already read), his settled one and a message from the
        office (unread), as the portal wrote them at the time. Replayed moves send nothing (claim_transition's
        `at`), so these are written here, with the portal's own texts."""
        from mutua.claims.notices import claim_status_notice
        from mutua.notifications.models import Notification, NotificationKind

        rows = []
        for status in (ClaimStatus.PAID, ClaimStatus.SETTLED):
            spec = [s for s in specs if s.status == status][-1]
            step = next(step for step in spec.steps if step.to_status == status)
            assert spec.claim is not None
            with translation.override(settings.LANGUAGE_CODE):
                texts = claim_status_notice(claim=spec.claim, to_status=status, note=step.note)
            assert texts is not None
            rows.append(
                Notification(
                    member=spec.household.member,
                    kind=NotificationKind.CLAIM_STATUS,
                    title=texts.title,
                    body=texts.body,
                    url=texts.url,
                    created_at=step.at,
                    read_at=step.at + dt.timedelta(days=1) if status == ClaimStatus.PAID else None,
                )
            )
        year = self.today.year - 1
        rows.append(
            Notification(
                member=specs[0].household.member,
                kind=NotificationKind.GENERIC,
                title=f"Certificazione dei contributi {year} disponibile",
                body=f"Per la dichiarazione dei redditi puoi scaricare la certificazione dei contributi versati nel "
                f"{year}: la trovi in Adesioni e contributi, Certificazioni.",
                url=reverse("portal:certificates"),
                created_at=self._at(self.today - dt.timedelta(days=3)),
            )
        )
        Notification.objects.bulk_create(rows)
