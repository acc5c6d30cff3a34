"""Payment batches: create one from settled claims (with its SEPA file), confirm it to mark the claims paid, or
delete it while it is a draft."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.claims.services import claim_transition
from mutua.payouts.models import BatchStatus, PaymentBatch, PaymentBatchItem
from mutua.payouts.sepa import Transfer, iban_problem, is_target_day, sepa_file


class PayoutError(Exception):
    """A batch cannot be created, confirmed or deleted; the message is for the supervisor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def batch_create(*, claims: Sequence[Claim], execution_date: dt.date, actor: User) -> PaymentBatch:
    """A draft batch paying every settled, not yet batched settlement of `claims`, with its SEPA file.

    The claims are locked, so a claim chosen by two supervisors at once lands in one batch (the one-to-one
    key on the item would refuse the second anyway). Every IBAN is checked before anything is written.
    """
    if not claims:
        raise PayoutError(_("Scegli almeno una pratica liquidata."))
    if execution_date < timezone.localdate() or not is_target_day(execution_date):
        raise PayoutError(_("La data di esecuzione deve essere un giorno lavorativo TARGET, da oggi in poi."))
    with transaction.atomic():
        locked = list(
            Claim.objects.select_for_update()
            .filter(pk__in=[c.pk for c in claims])
            .select_related("member")
            .order_by("pk")
        )
        if len(locked) != len(claims) or any(c.status != ClaimStatus.SETTLED for c in locked):
            raise PayoutError(_("Alcune pratiche non sono più liquidate: aggiorna la pagina e riprova."))
        settlements = list(
            Settlement.objects.select_for_update()
            .filter(document__claim__in=locked)
            .select_related("document__claim__member")
            .order_by("document__claim_id", "pk")
        )
        if any(PaymentBatchItem.objects.filter(settlement__in=settlements).values_list("pk", flat=True)[:1]):
            raise PayoutError(_("Alcune pratiche sono già in una distinta: aggiorna la pagina e riprova."))
        problems = []
        for claim in locked:
            member = claim.member
            if not member.iban or not member.account_holder or iban_problem(member.iban):
                problems.append(f"{member.full_name} ({member.code})")
        if problems:
            raise PayoutError(
                _("IBAN mancante o non valido per: %(names)s. Correggi i dati del socio o togli la pratica.")
                % {"names": ", ".join(problems)}
            )
        # The payee is frozen on the item now: the file and every page of the batch read it from there.
        items = [
            PaymentBatchItem(
                settlement=s,
                iban=str(IBAN(s.document.claim.member.iban)),
                account_holder=s.document.claim.member.account_holder,
            )
            for s in settlements
        ]
        transfers = [
            Transfer(
                end_to_end_id=str(item.settlement.pk),
                name=item.account_holder,
                iban=item.iban,
                amount=item.settlement.amount_paid,
                description=_("Rimborso pratica n. %(claim)s, %(doc)s")
                % {"claim": item.settlement.document.claim_id, "doc": item.settlement.document},
            )
            for item in items
            if item.settlement.amount_paid > 0
        ]
        file = sepa_file(transfers=transfers, execution_date=execution_date)
        batch = PaymentBatch.objects.create(
            created_by=actor,
            execution_date=execution_date,
            message_id=file.message_id,
            sepa_xml=file.xml.decode(),
            sha256=hashlib.sha256(file.xml).hexdigest(),
            total=sum((t.amount for t in transfers), Decimal("0.00")),
        )
        for item in items:
            item.batch = batch
        PaymentBatchItem.objects.bulk_create(items)
        audit_record(
            action="payouts.batch_created",
            actor=actor,
            batch=batch.pk,
            claims=[c.pk for c in locked],
            total=str(batch.total),
            sha256=batch.sha256,
        )
    return batch


def _lock_draft(batch: PaymentBatch) -> PaymentBatch:
    """The batch row, locked until the end of the caller's transaction, if it still exists and is a draft.

    Confirming and deleting both start here, so one of two concurrent moves waits for the other and then finds the
    batch confirmed or gone.
    """
    locked = PaymentBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if locked is None:
        raise PayoutError(_("La distinta n. %(id)s è stata eliminata.") % {"id": batch.pk})
    if locked.status != BatchStatus.DRAFT:
        raise PayoutError(_("La distinta n. %(id)s è già stata confermata.") % {"id": locked.pk})
    return locked


def batch_confirm(*, batch: PaymentBatch, actor: User) -> PaymentBatch:
    """The bank executed the file: every claim of the batch becomes "Pagata" on the execution date.

    The batch row is locked and must still be a draft, and every settlement must still be unpaid: two
    supervisors confirming at once pay once, and a settlement is never paid twice.
    """
    with transaction.atomic():
        locked = _lock_draft(batch)
        settlements = list(
            Settlement.objects.select_for_update()
            .filter(batch_item__batch=locked)
            .select_related("document__claim__member")
            .order_by("pk")
        )
        if any(s.paid_on is not None for s in settlements):
            raise PayoutError(_("Alcune liquidazioni della distinta risultano già pagate."))
        value_date = locked.execution_date
        Settlement.objects.filter(pk__in=[s.pk for s in settlements]).update(
            paid_on=value_date, payment_year=value_date.year
        )
        claims = {s.document.claim_id: s.document.claim for s in settlements}
        for claim in claims.values():
            claim_transition(
                claim=claim,
                to_status=ClaimStatus.PAID,
                actor=actor,
                note=_("Bonifico con data valuta %(date)s.") % {"date": f"{value_date:%d/%m/%Y}"},
            )
        locked.status = BatchStatus.CONFIRMED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        audit_record(action="payouts.batch_confirmed", actor=actor, batch=locked.pk, claims=sorted(claims))
    return locked


def batch_delete(*, batch: PaymentBatch, actor: User) -> None:
    """Delete a batch that was never confirmed: its claims are "to be paid" again and can go in a new batch.

    Only a draft can be deleted, under the same row lock as confirming, so a batch is either paid or deleted,
    never both. Its SEPA file is deleted with it: the audit row keeps its MsgId and hash, in case it reached the
    bank anyway.
    """
    with transaction.atomic():
        locked = _lock_draft(batch)
        claims = sorted(
            set(PaymentBatchItem.objects.filter(batch=locked).values_list("settlement__document__claim_id", flat=True))
        )
        audit_record(
            action="payouts.batch_deleted",
            actor=actor,
            batch=locked.pk,
            claims=claims,
            total=str(locked.total),
            message_id=locked.message_id,
            sha256=locked.sha256,
        )
        PaymentBatchItem.objects.filter(batch=locked).delete()
        locked.delete()
