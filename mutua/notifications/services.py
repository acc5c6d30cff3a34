from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.core.formatting import format_date, format_eur
from mutua.members.models import Member
from mutua.notifications.models import Channel, MessageStatus, Notification, NotificationKind, OutboundMessage
from mutua.notifications.sms import get_sms_backend, sms_fit


def message_queue(*, channel: str, to: str, body: str, subject: str = "") -> OutboundMessage:
    """Write the message and its delivery task in the caller's transaction: a rollback sends nothing."""
    from mutua.notifications.tasks import deliver_message

    message = OutboundMessage.objects.create(channel=channel, to=to, subject=subject, body=body)
    deliver_message.enqueue(message_id=message.pk)
    return message


def email_queue(*, to: str, subject: str, body: str) -> OutboundMessage:
    return message_queue(channel=Channel.EMAIL, to=to, subject=subject, body=body)


def sms_queue(*, to: str, body: str) -> OutboundMessage:
    return message_queue(channel=Channel.SMS, to=to, body=body)


def message_deliver(*, message_id: int) -> OutboundMessage | None:
    """Send one queued message; on failure retry later with a growing delay, then mark it failed."""
    from mutua.notifications.tasks import deliver_message

    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != MessageStatus.QUEUED:
            return message
        message.attempts += 1
        try:
            if message.channel == Channel.EMAIL:
                EmailMessage(
                    subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to]
                ).send()
            else:
                get_sms_backend().send(to=message.to, body=message.body)
        except Exception as exc:  # any delivery failure is retried, never lost
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
            else:
                delay = timedelta(minutes=2**message.attempts)
                retry = deliver_message
                if deliver_message.get_backend().supports_defer:
                    retry = deliver_message.using(run_after=timezone.now() + delay)
                transaction.on_commit(lambda: retry.enqueue(message_id=message_id))
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return message


# --- In-app notifications -------------------------------------------------------------------------------


def notification_create(*, member: Member, kind: str, title: str, body: str, url: str) -> Notification:
    """Write one notification for the member; `url` is a path inside the portal. No health details in the text."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"a notification links to a path inside the portal, not {url!r}")
    return Notification.objects.create(
        member=member,
        kind=kind,
        title=Truncator(title).chars(200),  # the columns' lengths
        body=Truncator(body).chars(500),
        url=url,
    )


def notifications_mark_read(*, member: Member, ids: Iterable[int] | None = None) -> int:
    """Mark the member's unread notifications read (only those in `ids` when given); returns how many changed.

    Ids of other members' notifications are ignored, not reported: the member learns nothing about them.
    """
    unread = Notification.objects.filter(member=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


# --- Claim status: in the portal, by e-mail, by SMS -----------------------------------------------------


def claim_url(claim_id: int) -> str:
    """The member's page of the claim; the fixed path while the portal does not route it."""
    try:
        return reverse("portal:claim_detail", args=[claim_id])
    except NoReverseMatch:
        return f"/pratiche/{claim_id}/"


# A deadline an operator wrote in the suspension note: "Termine: 31/12/2026", "entro il 31/12/2026".
DEADLINE = re.compile(r"(?:\bentro(?:\s+il)?|\btermine|\bscadenza)\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class ClaimStatusTexts:
    """What the member reads about one move of a claim, channel by channel.

    `body` stays behind the login, so it may quote the operator's note (the documents asked for, the reason
    for a rejection). `email` and `sms` leave the portal: they carry status, amounts, deadline and the reason
    for an administrative block, never the operator's free text, which could name a treatment.
    """

    title: str
    body: str
    email: str
    sms: str


def claim_status_texts(*, claim: Claim, to_status: str, note: str = "") -> ClaimStatusTexts | None:
    """Italian texts announcing that `claim` reached `to_status`; None for statuses the member is not told of."""
    n = claim.pk
    note = note.strip()
    name = settings.MUTUA_NAME
    values: dict[str, object] = {"n": n, "name": name, "note": note}
    if to_status == ClaimStatus.SUBMITTED:
        title = _("Pratica n. %(n)s trasmessa") % values
        body = _("Abbiamo ricevuto la tua pratica n. %(n)s. Ti avviseremo a ogni cambio di stato.") % values
        return ClaimStatusTexts(
            title, body, body, _("%(name)s: pratica n. %(n)s trasmessa. Ti avviseremo a ogni cambio di stato.") % values
        )
    if to_status == ClaimStatus.IN_REVIEW:
        title = _("Pratica n. %(n)s in lavorazione") % values
        body = _("I nostri uffici hanno preso in carico la pratica n. %(n)s e la stanno esaminando.") % values
        return ClaimStatusTexts(title, body, body, _("%(name)s: la pratica n. %(n)s è in lavorazione.") % values)
    if to_status == ClaimStatus.SUSPENDED and claim.block_reason.strip():
        values["reason"] = claim.block_reason.strip()
        title = _("Pratica n. %(n)s sospesa: blocco amministrativo") % values
        body = _("La pratica n. %(n)s è sospesa per un blocco amministrativo. %(reason)s") % values
        sms = _("%(name)s: pratica n. %(n)s sospesa per blocco amministrativo. %(reason)s") % values
        return ClaimStatusTexts(title, body, body, sms)
    if to_status == ClaimStatus.SUSPENDED:
        title = _("Pratica n. %(n)s sospesa: documenti da integrare") % values
        body = _("Per proseguire con la pratica n. %(n)s servono altri documenti: caricali dalla pagina della pratica.")
        body = f"{body % values} {note}".strip()
        deadline = DEADLINE.search(note)
        if deadline:
            values["deadline"] = deadline.group(1)
            email = (
                _(
                    "Per proseguire con la pratica n. %(n)s servono altri documenti, da inviare entro il %(deadline)s. "
                    "Trovi l'elenco nella pagina della pratica, nell'area soci."
                )
                % values
            )
            sms = (
                _(
                    "%(name)s: pratica n. %(n)s sospesa, servono altri documenti entro il %(deadline)s. "
                    "Elenco nell'area soci."
                )
                % values
            )
        else:
            email = (
                _(
                    "Per proseguire con la pratica n. %(n)s servono altri documenti. "
                    "Trovi l'elenco nella pagina della pratica, nell'area soci."
                )
                % values
            )
            sms = _("%(name)s: pratica n. %(n)s sospesa, servono altri documenti. Elenco nell'area soci.") % values
        return ClaimStatusTexts(title, body, email, sms)
    if to_status in (ClaimStatus.SETTLED, ClaimStatus.PAID):
        money = Settlement.objects.filter(document__claim_id=claim.pk).aggregate(
            total=Sum("amount_paid"), paid_on=Max("paid_on")
        )
        total = money["total"]
        values["amount"] = format_eur(total)
        values["date"] = format_date(money["paid_on"])
        if to_status == ClaimStatus.SETTLED:
            title = _("Pratica n. %(n)s liquidata") % values
            if total:
                body = _("La pratica n. %(n)s è stata liquidata: ti rimborseremo %(amount)s con bonifico.") % values
                sms = _("%(name)s: pratica n. %(n)s liquidata, ti rimborseremo %(amount)s con bonifico.") % values
            else:
                body = (
                    _("La pratica n. %(n)s è stata liquidata: trovi il dettaglio nella pagina della pratica.") % values
                )
                sms = _("%(name)s: pratica n. %(n)s liquidata. Il dettaglio è nell'area soci.") % values
            return ClaimStatusTexts(title, body, body, sms)
        title = _("Pratica n. %(n)s pagata") % values
        if total and money["paid_on"]:
            body = (
                _("Abbiamo disposto il bonifico di %(amount)s per la pratica n. %(n)s, con valuta %(date)s.") % values
            )
            sms = _("%(name)s: bonifico di %(amount)s disposto per la pratica n. %(n)s, valuta %(date)s.") % values
        elif total:
            body = _("Abbiamo disposto il bonifico di %(amount)s per la pratica n. %(n)s.") % values
            sms = _("%(name)s: bonifico di %(amount)s disposto per la pratica n. %(n)s.") % values
        else:
            body = _("Abbiamo disposto il pagamento della pratica n. %(n)s.") % values
            sms = _("%(name)s: pagamento disposto per la pratica n. %(n)s.") % values
        return ClaimStatusTexts(title, body, body, sms)
    if to_status == ClaimStatus.REJECTED:
        title = _("Pratica n. %(n)s respinta") % values
        if note:
            body = _("La pratica n. %(n)s è stata respinta. Motivo: %(note)s") % values
        else:
            body = _("La pratica n. %(n)s è stata respinta: trovi il dettaglio nella pagina della pratica.") % values
        email = _("La pratica n. %(n)s è stata respinta. Trovi il motivo nella pagina della pratica, nell'area soci.")
        sms = _("%(name)s: la pratica n. %(n)s è stata respinta. Il motivo è nell'area soci.") % values
        return ClaimStatusTexts(title, body, email % values, sms)
    if to_status == ClaimStatus.CANCELLED:
        title = _("Pratica n. %(n)s annullata") % values
        plain = _("La pratica n. %(n)s è stata annullata.") % values
        body = f"{plain} {note}".strip()
        return ClaimStatusTexts(title, body, plain, _("%(name)s: la pratica n. %(n)s è stata annullata.") % values)
    return None  # drafts and unknown statuses: nothing to tell


CONTACT_FIELDS = ("first_name", "last_name", "email", "email_verified_at", "mobile", "mobile_verified_at")


def notify_claim_status(*, claim: Claim, to_status: str, note: str = "") -> Notification | None:
    """Tell the member their claim reached `to_status`: in the portal, by e-mail and SMS to verified contacts only.

    Runs in the caller's transaction (claim_transition's), so a move that rolls back announces nothing and
    one that commits has its messages already queued. Texts are written in Italian whatever language the
    operator who made the move is using. A suspension is told as an administrative block when the claim's
    `block_reason` is already saved at the move, otherwise as a request for documents.
    """
    with translation.override(settings.LANGUAGE_CODE):
        texts = claim_status_texts(claim=claim, to_status=to_status, note=note)
        if texts is None:
            return None
        # Read now, not from the caller's copy: a contact verified a moment ago counts. Only what is used.
        member = Member.objects.only(*CONTACT_FIELDS).get(pk=claim.member_id)
        subject = f"{settings.MUTUA_NAME} – {texts.title}"
        email_body = _(
            "Gentile %(member)s,\n\n%(text)s\n\n"
            "Puoi seguire la pratica nell'area soci, sezione Lista pratiche.\n\n%(name)s"
        ) % {"member": member.full_name, "text": texts.email, "name": settings.MUTUA_NAME}
    with transaction.atomic(savepoint=False):  # all or nothing, inside the caller's transaction when there is one
        notification = notification_create(
            member=member,
            kind=NotificationKind.CLAIM_STATUS,
            title=texts.title,
            body=texts.body,
            url=claim_url(claim.pk),
        )
        if member.email_verified_at and member.email:
            email_queue(to=member.email, subject=subject, body=email_body)
        if member.mobile_verified_at and member.mobile:
            sms_queue(to=member.mobile.as_e164, body=sms_fit(texts.sms))
    return notification
