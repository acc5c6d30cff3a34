"""What the member is told about their claims: each move of its status, the documents merged into an open claim,
the reminder before a suspension's deadline. Always in the mutual's language, whatever the operator's."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.core.formatting import format_date, format_eur
from mutua.members.models import NoticeCategory
from mutua.members.notices import Notice, member_notify
from mutua.notifications.models import Notification, NotificationKind
from mutua.notifications.services import notification_create


def claim_url(claim_id: int) -> str:
    """The member's page of the claim."""
    return reverse("portal:claim_detail", args=[claim_id])


def claim_status_notice(
    *, claim: Claim, to_status: str, note: str = "", deadline: dt.date | None = None
) -> Notice | None:
    """The texts announcing that `claim` reached `to_status`; None for statuses the member is not told of.

    `deadline` is the date the member must send the documents by (a suspension for documents): e-mail and SMS
    carry it, the portal shows it with the operator's note.
    """
    n = claim.pk
    note = note.strip()
    values: dict[str, object] = {"n": n, "name": settings.MUTUA_NAME, "note": note}
    follow = _("Puoi seguire la pratica nell'area soci, sezione Lista pratiche.")

    def notice(title: str, body: str, sms: str, email: str | None = None) -> Notice:
        return Notice(
            kind=NotificationKind.CLAIM_STATUS,
            category=NoticeCategory.CLAIMS,
            title=title,
            body=body,
            email=f"{email or body}\n\n{follow}",
            sms=sms,
            url=claim_url(n),
        )

    if to_status == ClaimStatus.SUBMITTED:
        body = _("Abbiamo ricevuto la tua pratica n. %(n)s. Ti avviseremo a ogni cambio di stato.") % values
        sms = _("%(name)s: pratica n. %(n)s trasmessa. Ti avviseremo a ogni cambio di stato.") % values
        return notice(_("Pratica n. %(n)s trasmessa") % values, body, sms)
    if to_status == ClaimStatus.IN_REVIEW:
        body = _("I nostri uffici hanno preso in carico la pratica n. %(n)s e la stanno esaminando.") % values
        sms = _("%(name)s: la pratica n. %(n)s è in lavorazione.") % values
        return notice(_("Pratica n. %(n)s in lavorazione") % values, body, sms)
    if to_status == ClaimStatus.SUSPENDED and claim.block_reason.strip():
        values["reason"] = claim.block_reason.strip()
        body = _("La pratica n. %(n)s è sospesa per un blocco amministrativo. %(reason)s") % values
        sms = _("%(name)s: pratica n. %(n)s sospesa per blocco amministrativo. %(reason)s") % values
        return notice(_("Pratica n. %(n)s sospesa: blocco amministrativo") % values, body, sms)
    if to_status == ClaimStatus.SUSPENDED:
        title = _("Pratica n. %(n)s sospesa: documenti da integrare") % values
        body = _("Per proseguire con la pratica n. %(n)s servono altri documenti: caricali dalla pagina della pratica.")
        body = f"{body % values} {note}".strip()
        if deadline is not None:
            values["deadline"] = format_date(deadline)
            email = _(
                "Per proseguire con la pratica n. %(n)s servono altri documenti, da inviare entro il %(deadline)s. "
                "Trovi l'elenco nella pagina della pratica, nell'area soci."
            )
            sms = _(
                "%(name)s: pratica n. %(n)s sospesa, servono altri documenti entro il %(deadline)s. "
                "Elenco nell'area soci."
            )
        else:
            email = _(
                "Per proseguire con la pratica n. %(n)s servono altri documenti. "
                "Trovi l'elenco nella pagina della pratica, nell'area soci."
            )
            sms = _("%(name)s: pratica n. %(n)s sospesa, servono altri documenti. Elenco nell'area soci.")
        return notice(title, body, sms % values, email % values)
    if to_status in (ClaimStatus.SETTLED, ClaimStatus.PAID):
        money = Settlement.objects.filter(document__claim_id=n).aggregate(
            total=Sum("amount_paid"), paid_on=Max("paid_on")
        )
        total = money["total"]
        values["amount"] = format_eur(total)
        values["date"] = format_date(money["paid_on"])
        if to_status == ClaimStatus.SETTLED:
            title = _("Pratica n. %(n)s liquidata") % values
            if total:
                body = _("La pratica n. %(n)s è stata liquidata: ti rimborseremo %(amount)s con bonifico.")
                sms = _("%(name)s: pratica n. %(n)s liquidata, ti rimborseremo %(amount)s con bonifico.")
            else:
                body = _("La pratica n. %(n)s è stata liquidata: trovi il dettaglio nella pagina della pratica.")
                sms = _("%(name)s: pratica n. %(n)s liquidata. Il dettaglio è nell'area soci.")
            return notice(title, body % values, sms % values)
        title = _("Pratica n. %(n)s pagata") % values
        if total and money["paid_on"]:
            body = _("Abbiamo disposto il bonifico di %(amount)s per la pratica n. %(n)s, con valuta %(date)s.")
            sms = _("%(name)s: bonifico di %(amount)s disposto per la pratica n. %(n)s, valuta %(date)s.")
        elif total:
            body = _("Abbiamo disposto il bonifico di %(amount)s per la pratica n. %(n)s.")
            sms = _("%(name)s: bonifico di %(amount)s disposto per la pratica n. %(n)s.")
        else:
            body = _("Abbiamo disposto il pagamento della pratica n. %(n)s.")
            sms = _("%(name)s: pagamento disposto per la pratica n. %(n)s.")
        return notice(title, body % values, sms % values)
    if to_status == ClaimStatus.REJECTED:
        if note:
            body = _("La pratica n. %(n)s è stata respinta. Motivo: %(note)s") % values
        else:
            body = _("La pratica n. %(n)s è stata respinta: trovi il dettaglio nella pagina della pratica.") % values
        email = _("La pratica n. %(n)s è stata respinta. Trovi il motivo nella pagina della pratica, nell'area soci.")
        sms = _("%(name)s: la pratica n. %(n)s è stata respinta. Il motivo è nell'area soci.") % values
        return notice(_("Pratica n. %(n)s respinta") % values, body, sms, email % values)
    if to_status == ClaimStatus.CANCELLED:
        plain = _("La pratica n. %(n)s è stata annullata.") % values
        sms = _("%(name)s: la pratica n. %(n)s è stata annullata.") % values
        return notice(_("Pratica n. %(n)s annullata") % values, f"{plain} {note}".strip(), sms, plain)
    return None  # drafts and unknown statuses: nothing to tell


def claim_status_notify(
    *, claim: Claim, to_status: str, note: str = "", deadline: dt.date | None = None
) -> Notification | None:
    """Tell the member their claim reached `to_status`: in the portal, by e-mail and SMS to verified contacts only.

    Runs in the caller's transaction (claim_transition's), so a move that rolls back announces nothing and one that
    commits has its messages already queued. A suspension is told as an administrative block when the claim's
    `block_reason` is already saved at the move, otherwise as a request for documents by `deadline`.
    """
    with translation.override(settings.LANGUAGE_CODE):
        notice = claim_status_notice(claim=claim, to_status=to_status, note=note, deadline=deadline)
    if notice is None:
        return None
    return member_notify(member_id=claim.member_id, notice=notice)


def documents_merged_notify(*, member_id: int, claim_id: int, count: int) -> Notification:
    """The documents of a new submission joined the member's open claim (the guide's rule): in the portal only,
    in the language of the member who is sending them."""
    return notification_create(
        member_id=member_id,
        kind=NotificationKind.CLAIM_DOCUMENTS_MERGED,
        title=_("Documenti aggiunti alla pratica n. %(id)s") % {"id": claim_id},
        body=_("I %(n)d documenti che hai inviato sono stati accorpati alla pratica aperta n. %(id)s.")
        % {"n": count, "id": claim_id},
        url=claim_url(claim_id),
    )


def suspension_reminder_notify(*, member_id: int, claim_id: int, deadline: dt.date) -> Notification:
    """Remind the member that the documents asked for the claim are due by `deadline`."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {"n": claim_id, "deadline": format_date(deadline), "name": settings.MUTUA_NAME}
        text = (
            _(
                "Ti ricordiamo che per proseguire con la pratica n. %(n)s servono altri documenti, da inviare "
                "entro il %(deadline)s. Trovi l'elenco nella pagina della pratica, nell'area soci."
            )
            % values
        )
        notice = Notice(
            kind=NotificationKind.CLAIM_STATUS,
            category=NoticeCategory.REMINDERS,
            title=_("Promemoria: documenti per la pratica n. %(n)s entro il %(deadline)s") % values,
            body=text,
            email=text,
            sms=_("%(name)s: promemoria, pratica n. %(n)s: invia i documenti richiesti entro il %(deadline)s.")
            % values,
            url=claim_url(claim_id),
        )
    return member_notify(member_id=member_id, notice=notice)
