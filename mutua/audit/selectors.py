"""Reads of the audit log: the supervisors' search and a member's own "Accessi ai miei dati"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutua.audit.models import AuditEvent

# An operator reading a member's file: what the member is shown in "Accessi ai miei dati".
READ_ACTIONS = (
    "backoffice.claim_view",
    "backoffice.attachment_view",
    "backoffice.booking_view",
    "backoffice.booking_attachment_view",
    "backoffice.member_view",
)

# The actions a supervisor picks from in the search; any other stored action is still found by "Tutte".
ACTION_LABELS = {
    "backoffice.claim_view": gettext_lazy("Consultazione di una pratica"),
    "backoffice.attachment_view": gettext_lazy("Visualizzazione di un file di una pratica"),
    "backoffice.booking_view": gettext_lazy("Consultazione di una prenotazione"),
    "backoffice.booking_attachment_view": gettext_lazy("Visualizzazione di una prescrizione"),
    "backoffice.member_view": gettext_lazy("Consultazione della scheda del socio"),
    "claim.status": gettext_lazy("Cambio di stato di una pratica"),
    "claim.assigned": gettext_lazy("Presa in carico di una pratica"),
    "claim.settled": gettext_lazy("Liquidazione di una pratica"),
    "booking.status": gettext_lazy("Cambio di stato di una prenotazione"),
    "payouts.batch_created": gettext_lazy("Distinta di pagamento creata"),
    "payouts.file_download": gettext_lazy("File SEPA scaricato"),
    "payouts.batch_confirmed": gettext_lazy("Distinta di pagamento confermata"),
    "payouts.list_view": gettext_lazy("Consultazione dei pagamenti"),
    "payouts.batch_view": gettext_lazy("Consultazione di una distinta di pagamento"),
    "payouts.batch_deleted": gettext_lazy("Distinta di pagamento eliminata"),
    "tax.communication_started": gettext_lazy("Comunicazione all'Agenzia delle Entrate: preparazione avviata"),
    "tax.communication_ready": gettext_lazy("Comunicazione all'Agenzia delle Entrate: file pronto"),
    "tax.communication_failed": gettext_lazy("Comunicazione all'Agenzia delle Entrate: preparazione non riuscita"),
    "tax.year_view": gettext_lazy("Consultazione della comunicazione all'Agenzia delle Entrate"),
    "tax.file_download": gettext_lazy("File della comunicazione all'Agenzia delle Entrate scaricato"),
    "tax.communication_sent": gettext_lazy("Comunicazione all'Agenzia delle Entrate segnata come inviata"),
    "account.login": gettext_lazy("Accesso"),
    "account.first_access": gettext_lazy("Primo accesso completato"),
    "activation.issued": gettext_lazy("Lettera di attivazione emessa"),
    "activation.used": gettext_lazy("Lettera di attivazione usata"),
    "backoffice.member_list": gettext_lazy("Consultazione dell'elenco dei soci"),
    "password.changed": gettext_lazy("Password modificata"),
    "member.personal_data_changed": gettext_lazy("Dati anagrafici modificati"),
    "contacts.changed": gettext_lazy("Contatti modificati"),
    "audit.search": gettext_lazy("Ricerca nel registro degli accessi"),
}


def event_description(event: AuditEvent) -> str:
    """What happened, in words a member understands, with the claim or booking number; never health details."""
    data = event.data or {}
    if event.action == "backoffice.claim_view":
        return _("Ha consultato la pratica n. %(n)s") % {"n": data.get("claim", "")}
    if event.action == "backoffice.attachment_view":
        return _("Ha visualizzato un file della pratica n. %(n)s") % {"n": data.get("claim", "")}
    if event.action == "backoffice.booking_view":
        return _("Ha consultato la prenotazione n. %(n)s") % {"n": data.get("booking", "")}
    if event.action == "backoffice.booking_attachment_view":
        return _("Ha visualizzato la prescrizione della prenotazione n. %(n)s") % {"n": data.get("booking", "")}
    label = ACTION_LABELS.get(event.action)
    return str(label) if label else event.action


def member_data_accesses(*, member_id: int, member_user_id: int | None) -> QuerySet[AuditEvent]:
    """The operators' reads of the member's data (not the member's own), newest first, with the operator, in one
    query."""
    return (
        AuditEvent.objects.filter(member_id=member_id, action__in=READ_ACTIONS, actor__isnull=False)
        .exclude(actor_id=member_user_id)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class AuditFilters:
    """The search's GET parameters, already checked; an empty value is no filter."""

    member_code: str = ""
    actor: str = ""  # username or part of the operator's name
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit rows matching every given filter, newest first, with actor and member, in one query.

    Dates are whole days in Europe/Rome: "al 03/11" includes everything that happened on 3 November.
    """
    events = AuditEvent.objects.select_related("actor", "member")
    if filters.member_code:
        events = events.filter(member__code=filters.member_code)
    if filters.actor:
        words = filters.actor.split()
        for word in words:
            events = events.filter(
                Q(actor__username__iexact=word)
                | Q(actor__first_name__icontains=word)
                | Q(actor__last_name__icontains=word)
            )
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return events.order_by("-created_at", "-pk")


MEMBER_ACCESSES_SHOWN = 20


@dataclass(frozen=True)
class DataAccess:
    """One row of "Accessi ai miei dati": the operator's name and role, never their username."""

    when: dt.datetime
    who: str
    role: str
    what: str


def member_data_accesses_page(
    *, member_id: int, member_user_id: int | None, limit: int = MEMBER_ACCESSES_SHOWN
) -> list[DataAccess]:
    """The latest `limit` operator reads of the member's data, as the profile page shows them (one query)."""
    rows = []
    for event in member_data_accesses(member_id=member_id, member_user_id=member_user_id)[:limit]:
        actor = event.actor
        assert actor is not None  # noqa: S101  # filtered by member_data_accesses
        rows.append(
            DataAccess(
                when=event.created_at,
                who=actor.get_full_name() or _("Operatore n. %(n)s") % {"n": actor.pk},
                role=str(actor.get_role_display()),
                what=event_description(event),
            )
        )
    return rows
