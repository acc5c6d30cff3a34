"""The year's communication to the Agenzia delle Entrate: prepare a version (in the background), mark it sent with
the protocol of the Agenzia's receipt, and after that replace or cancel it. Every step is an AuditEvent."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.core.requestid import current_request_id
from mutua.tax import rows
from mutua.tax.models import CommunicationKind, CommunicationStatus, TaxCommunication

# The obligation starts with tax year 2015 (L. 208/2015, art. 1 c. 950).
FIRST_YEAR = 2015
PROTOCOL_RE = re.compile(r"^[0-9A-Z][0-9A-Z-]{4,22}[0-9A-Z]$")


class TaxCommunicationError(Exception):
    """A communication cannot be prepared or marked sent; the message is for the supervisor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def year_problem(*, year: int) -> str:
    """Why `year` cannot be communicated (yet), or "": from 2015 on, and only a year that is over."""
    today = timezone.localdate()
    if year < FIRST_YEAR:
        return _("La comunicazione esiste dall'anno d'imposta %(first)s.") % {"first": FIRST_YEAR}
    if year >= today.year:
        return _("L'anno %(year)s non è ancora concluso: si comunica dal 1° gennaio dell'anno dopo.") % {"year": year}
    return ""


def latest_sent(*, year: int) -> TaxCommunication | None:
    return TaxCommunication.objects.filter(year=year, status=CommunicationStatus.SENT).order_by("-version").first()


def communication_start(*, year: int, actor: User, cancel: bool = False) -> TaxCommunication:
    """Start preparing the year's next version, in the background; what it replaces follows from what was sent.

    Nothing sent yet (or the last sending a cancellation): an ordinary communication. Something sent: a replacing
    one, or with `cancel` a cancelling one, naming the protocol it replaces. A version waiting to be sent is set
    aside. Two supervisors starting at once make one preparation: the year's unique constraints refuse the other.
    """
    problem = year_problem(year=year)
    if problem:
        raise TaxCommunicationError(problem)
    if not settings.MUTUA_FISCAL_CODE:
        raise TaxCommunicationError(
            _("Manca il codice fiscale della mutua (MUTUA_FISCAL_CODE): senza non si può preparare il file.")
        )
    sent = latest_sent(year=year)
    if sent is not None and sent.kind == CommunicationKind.CANCELLING:
        sent = None
    if cancel and sent is None:
        raise TaxCommunicationError(
            _("Per il %(year)s non c'è una comunicazione inviata da annullare.") % {"year": year}
        )
    if not cancel and not rows.has_data(year=year):
        raise TaxCommunicationError(_("Nessun contributo o rimborso da comunicare per il %(year)s.") % {"year": year})
    kind = CommunicationKind.ORDINARY
    if sent is not None:
        kind = CommunicationKind.CANCELLING if cancel else CommunicationKind.REPLACING
    try:
        with transaction.atomic():
            mine = TaxCommunication.objects.select_for_update().filter(year=year)
            if mine.filter(status=CommunicationStatus.GENERATING).exists():
                raise TaxCommunicationError(
                    _("Per il %(year)s è già in preparazione un file: attendi.") % {"year": year}
                )
            mine.filter(status__in=[CommunicationStatus.READY, CommunicationStatus.FAILED]).update(
                status=CommunicationStatus.DISCARDED
            )
            version = (mine.aggregate(v=Max("version"))["v"] or 0) + 1
            communication = TaxCommunication.objects.create(
                year=year, version=version, kind=kind, replaces=sent, created_by=actor
            )
            audit_record(
                action="tax.communication_started",
                actor=actor,
                year=year,
                version=version,
                kind=kind,
                communication=communication.pk,
            )
            from mutua.tax.generation import communication_generate

            communication_generate.enqueue(communication_id=communication.pk, request_id=current_request_id())
    except IntegrityError:
        raise TaxCommunicationError(
            _("Per il %(year)s un altro supervisore ha appena avviato la preparazione: aggiorna la pagina.")
            % {"year": year}
        ) from None
    communication.refresh_from_db()
    return communication


def communication_mark_sent(*, communication: TaxCommunication, protocol: str, actor: User) -> TaxCommunication:
    """The Agenzia received the file: record the protocol of its receipt. Only the version waiting to be sent, and
    only while what it replaces is still the latest sent; two supervisors marking it at once record it once."""
    protocol = protocol.strip().upper()
    if not PROTOCOL_RE.match(protocol):
        raise TaxCommunicationError(
            _("Scrivi il protocollo della ricevuta dell'Agenzia: da 6 a 24 caratteri, cifre, lettere e trattini.")
        )
    try:
        with transaction.atomic():
            locked = TaxCommunication.objects.select_for_update().filter(pk=communication.pk).first()
            if locked is None:
                raise TaxCommunicationError(_("La comunicazione non esiste più."))
            if locked.status == CommunicationStatus.SENT:
                raise TaxCommunicationError(
                    _("La versione %(version)s del %(year)s è già segnata come inviata (protocollo %(protocol)s).")
                    % {"version": locked.version, "year": locked.year, "protocol": locked.protocol}
                )
            if locked.status != CommunicationStatus.READY:
                raise TaxCommunicationError(_("Questa versione non è pronta da inviare: aggiorna la pagina."))
            sent = latest_sent(year=locked.year)
            if sent is not None and sent.kind == CommunicationKind.CANCELLING:
                sent = None
            if (sent.pk if sent else None) != locked.replaces_id:
                raise TaxCommunicationError(_("Nel frattempo è stata inviata un'altra versione: preparane una nuova."))
            locked.status = CommunicationStatus.SENT
            locked.protocol = protocol
            locked.sent_at = timezone.now()
            locked.sent_by = actor
            locked.save(update_fields=["status", "protocol", "sent_at", "sent_by"])
            audit_record(
                action="tax.communication_sent",
                actor=actor,
                year=locked.year,
                version=locked.version,
                kind=locked.kind,
                protocol=protocol,
                communication=locked.pk,
            )
    except IntegrityError:
        raise TaxCommunicationError(
            _("Il protocollo %(protocol)s è già registrato.") % {"protocol": protocol}
        ) from None
    return locked
