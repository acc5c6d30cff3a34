"""A claim's file that the malware scan found infected (mutua.documents.scanning): who is told, and what it blocks.

Runs in the scan's transaction, once the file is in quarantine: the claim's timeline gets a line (operators read it
on the review page, which also shows the file as quarantined), the audit log a row with the threat's name, and the
member a notice in the portal, by e-mail and by SMS. While any of its files is quarantined, or still waiting for the
scan, the claim cannot be settled (`settlement_blocked_by_files`).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from mutua.audit.services import audit_record
from mutua.claims.models import Attachment, Claim, ClaimEvent
from mutua.claims.notices import claim_url
from mutua.documents.models import ScanStatus
from mutua.members.models import NoticeCategory
from mutua.members.notices import Notice, member_notify
from mutua.notifications.models import NotificationKind


def attachment_infected_record(attachment: Attachment) -> None:
    claim = Claim.objects.select_related("member").get(pk=attachment.document.claim_id)
    with translation.override(settings.LANGUAGE_CODE):
        values = {"name": attachment.original_name, "n": claim.pk, "mutua": settings.MUTUA_NAME}
        note = (
            _(
                "L'antivirus ha trovato una minaccia nel file «%(name)s»: il file è in quarantena e la pratica non "
                "può essere liquidata finché non viene sostituito."
            )
            % values
        )
        text = (
            _(
                "Il file «%(name)s» che hai allegato alla pratica n. %(n)s contiene una minaccia secondo il nostro "
                "antivirus: lo abbiamo messo da parte e nessuno lo aprirà. Controlla il tuo computer con un "
                "antivirus; l'operatore ti chiederà di inviarne una copia pulita."
            )
            % values
        )
        # The file's name stays behind the login: a member may name a file after what it is about.
        email = (
            _(
                "Un file che hai allegato alla pratica n. %(n)s contiene una minaccia secondo il nostro antivirus: lo "
                "abbiamo messo da parte e nessuno lo aprirà. Controlla il tuo computer con un antivirus; l'operatore "
                "ti chiederà di inviarne una copia pulita."
            )
            % values
        )
        notice = Notice(
            kind=NotificationKind.CLAIM_STATUS,
            category=NoticeCategory.CLAIMS,
            title=_("Pratica n. %(n)s: un file non è stato accettato") % values,
            body=text,
            email=email,
            sms=_("%(mutua)s: un file della pratica n. %(n)s non è stato accettato dall'antivirus: vedi l'area soci.")
            % values,
            url=claim_url(claim.pk),
        )
    ClaimEvent.objects.create(claim=claim, actor=None, from_status=claim.status, to_status=claim.status, note=note)
    audit_record(
        action="file.quarantined",
        member=claim.member,
        claim=claim.pk,
        attachment=attachment.pk,
        threat=attachment.scan_signature,
    )
    member_notify(member_id=claim.member_id, notice=notice)


def settlement_blocked_by_files(claim: Claim) -> str | None:
    """Why `claim` cannot be settled because of its files (quarantined, or not scanned yet), or None."""
    statuses = set(Attachment.objects.filter(document__claim=claim).values_list("scan_status", flat=True).distinct())
    if ScanStatus.INFECTED in statuses:
        return _(
            "Un file della pratica è in quarantena (l'antivirus vi ha trovato una minaccia): la pratica non può "
            "essere liquidata finché il socio non ne invia una copia pulita. Sospendila per chiedere il documento."
        )
    if ScanStatus.PENDING in statuses:
        return _("Alcuni file della pratica sono ancora in verifica antivirus: riprova tra qualche minuto.")
    return None
