"""The tax certificates a member downloads: contributions paid in a year (Certificazioni) and subsidies received
(Riepilogo sussidi ricevuti, "Stampa"). Both are regenerated from the current data at each download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutua.claims.models import Settlement
from mutua.core.formatting import format_date, format_eur
from mutua.documents.models import DocumentKind
from mutua.documents.pdf import CONTENT_WIDTH, GREY, Column, PdfDocument, Row
from mutua.documents.verification import (
    BASIS_COMPETENCE,
    BASIS_CONTRIBUTIONS,
    BASIS_PAYMENT,
    certificate_object_id,
    document_issue,
    issue_day,
)
from mutua.members.models import Member, MemberKind
from mutua.plans.models import ContributionMethod
from mutua.plans.selectors import ZERO, ContributionSummary

# The guide: "i sussidi ricevuti negli ultimi tre anni".
SUBSIDY_YEARS = 3


def _issuer_lines() -> list[tuple[str, str]]:
    lines = [(_("Denominazione"), settings.MUTUA_NAME)]
    # Optional settings: the mutual's tax code and registered office, printed when configured.
    fiscal_code = settings.MUTUA_FISCAL_CODE
    office = settings.MUTUA_REGISTERED_OFFICE
    if fiscal_code:
        lines.append((_("Codice fiscale"), fiscal_code))
    if office:
        lines.append((_("Sede legale"), office))
    return lines


def _member_lines(member: Member) -> list[tuple[str, str]]:
    code_label = _("Matricola") if member.kind == MemberKind.ORDINARY else _("Codice utente")
    return [
        (_("Socio"), member.full_name),
        (code_label, member.code),
        (_("Codice fiscale"), member.fiscal_code),
    ]


def _verification_paragraph(pdf: PdfDocument, code: str) -> None:
    pdf.space(6)
    pdf.paragraph(
        _("Per verificarne l'autenticità apri %(url)s e inserisci il codice di verifica %(code)s.")
        % {"url": settings.MUTUA_PUBLIC_URL + reverse("documents:verify"), "code": code},
        size=9,
        color=GREY,
    )


# Certificazioni contributi


def contribution_certificate_pdf(*, member: Member, summary: ContributionSummary, today: dt.date) -> bytes:
    """The certificate of the contributions paid in `summary.year` (docs/domain.md, Tax rules), as A4 PDF pages.

    Each payment with date, method, plan and period; the member's own part apart from the family members';
    the own detraibile part against the year's cap, with the legal reference. The first generation of the day
    records the verification code.
    """
    year = summary.year
    code = document_issue(
        kind=DocumentKind.CONTRIBUTION_CERTIFICATE,
        object_id=certificate_object_id(
            member_id=member.pk, year=year, basis=BASIS_CONTRIBUTIONS, empty=not summary.payments
        ),
        issued_at=issue_day(),
    )
    title = _("Certificazione dei contributi versati – anno %(year)s") % {"year": year}
    pdf = PdfDocument(
        title=title,
        subject=_("Contributi versati nel %(year)s") % {"year": year},
        footer_note=_("Codice di verifica %(code)s · rilasciata il %(date)s")
        % {"code": code, "date": format_date(today)},
    )
    pdf.heading(title)
    pdf.fields(_issuer_lines(), label_width=130)
    pdf.paragraph(
        _(
            "Società di mutuo soccorso che opera esclusivamente nei settori di attività di cui all'art. 1 della "
            "Legge 15 aprile 1886, n. 3818."
        ),
        size=9,
        color=GREY,
    )
    pdf.space(10)
    pdf.fields([*_member_lines(member), (_("Anno d'imposta"), str(year))], label_width=130)
    if year == today.year:
        pdf.paragraph(
            _("Anno in corso: la certificazione riporta i versamenti registrati fino al %(date)s.")
            % {"date": format_date(today)},
            size=9,
            color=GREY,
        )
    pdf.space(12)
    pdf.heading(_("Contributi versati nel %(year)s") % {"year": year}, size=12)
    if summary.payments:
        columns = [
            Column(_("Data"), 56),
            Column(_("Modalità"), 92),
            Column(_("Forma di assistenza"), 96),
            Column(_("Periodo"), 64),
            Column(_("Socio"), 66, align="right"),
            Column(_("Familiari"), 66, align="right"),
            Column(_("Totale"), CONTENT_WIDTH - 440, align="right"),
        ]
        pdf.table(columns, _payment_rows(summary))
    else:
        pdf.paragraph(_("Nessun contributo versato nell'anno."))
    pdf.space(4)
    pdf.total_line(_("Contributi per la posizione del socio"), format_eur(summary.own_total))
    pdf.total_line(_("Contributi per i familiari (non detraibili)"), format_eur(summary.family_total))
    pdf.total_line(_("Totale versato nel %(year)s") % {"year": year}, format_eur(summary.total))
    pdf.space(10)
    pdf.heading(_("Importo detraibile"), size=12)
    cap = format_eur(summary.cap) if summary.cap is not None else _("non previsto")
    rows = [
        (_("Contributi del socio detraibili"), format_eur(summary.detraibile_total)),
        (_("Limite annuo detraibile"), cap),
        (_("Importo detraibile"), format_eur(summary.detraibile_amount)),
    ]
    if summary.over_cap > ZERO:
        rows.append((_("Eccedenza oltre il limite (non detraibile)"), format_eur(summary.over_cap)))
    pdf.fields(rows, label_width=250)
    pdf.space(8)
    reference = summary.legal_reference or _("art. 83, comma 5, D.Lgs. 117/2017")
    pdf.paragraph(
        _(
            "L'importo detraibile dà diritto alla detrazione d'imposta del 19%% ai sensi dell'%(reference)s, da "
            "indicare nel modello 730, quadro E, righi da E8 a E10, codice 22 (contributi associativi alle società "
            "di mutuo soccorso). È detraibile solo il contributo versato per la posizione del socio, non quello per "
            "i familiari, anche se fiscalmente a carico. I contributi trattenuti in busta paga dal datore di lavoro "
            "non sono detraibili: sono indicati nella Certificazione Unica."
        )
        % {"reference": reference},
        size=9,
    )
    pdf.space(6)
    pdf.paragraph(
        _("Rilasciata il %(date)s su richiesta dell'interessato per gli usi consentiti dalla legge.")
        % {"date": format_date(today)},
        size=9,
    )
    _verification_paragraph(pdf, code)
    return pdf.finish()


def _payment_rows(summary: ContributionSummary) -> Iterator[Row]:
    methods = {value: str(label) for value, label in ContributionMethod.choices}
    payroll_note = _("Trattenuta in busta paga: non detraibile.")
    for payment in summary.payments:
        contribution = payment.contribution
        period = contribution.period or str(contribution.year)
        yield Row(
            cells=[
                format_date(contribution.paid_on),
                methods.get(contribution.method, contribution.method or "—"),
                contribution.enrollment.plan.name,
                period,
                format_eur(payment.own_part),
                format_eur(payment.family_part),
                format_eur(contribution.amount_paid),
            ],
            note="" if payment.detraibile else payroll_note,
        )


# Riepilogo sussidi ricevuti


class SubsidyBasis(models.TextChoices):
    COMPETENCE = "competenza", gettext_lazy("Anno di competenza")
    PAYMENT = "pagamento", gettext_lazy("Anno di pagamento")


_BASIS_CODES = {SubsidyBasis.COMPETENCE: BASIS_COMPETENCE, SubsidyBasis.PAYMENT: BASIS_PAYMENT}


def subsidy_years(*, today: dt.date) -> list[int]:
    """The years a member may search, newest first."""
    return [today.year - n for n in range(SUBSIDY_YEARS)]


def subsidies_received(*, member: Member, basis: str, year: int) -> QuerySet[Settlement]:
    """The member's settled documents that were paid, by the year the expense was paid (competenza) or the year
    of the reimbursement (pagamento), in payment order; one query with holder and document."""
    received = (
        Settlement.objects.filter(document__claim__member=member, paid_on__isnull=False, amount_paid__gt=0)
        .select_related("document__beneficiary", "document__claim")
        .order_by("paid_on", "document__issue_date", "pk")
    )
    if basis == SubsidyBasis.COMPETENCE:
        return received.filter(competence_year=year)
    return received.filter(payment_year=year)


@dataclass(frozen=True)
class SubsidyLine:
    settlement: Settlement
    holder: str
    expense_date: dt.date
    amount_spent: Decimal
    amount_paid: Decimal
    paid_on: dt.date | None


def subsidy_lines(*, member: Member, settlements: Sequence[Settlement]) -> list[SubsidyLine]:
    """What the list and the certificate show of each settlement; the holder is the member unless a family member."""
    lines = []
    for settlement in settlements:
        doc = settlement.document
        holder = f"{doc.beneficiary.first_name} {doc.beneficiary.last_name}" if doc.beneficiary else member.full_name
        lines.append(
            SubsidyLine(
                settlement=settlement,
                holder=holder,
                expense_date=doc.issue_date,
                amount_spent=doc.amount if doc.amount is not None else settlement.amount_requested,
                amount_paid=settlement.amount_paid,
                paid_on=settlement.paid_on,
            )
        )
    return lines


def subsidy_certificate_pdf(
    *, member: Member, basis: str, year: int, lines: Sequence[SubsidyLine], today: dt.date
) -> bytes:
    """The certificate of the subsidies received, for the selection the member searched, as A4 PDF pages."""
    code = document_issue(
        kind=DocumentKind.SUBSIDY_CERTIFICATE,
        object_id=certificate_object_id(
            member_id=member.pk, year=year, basis=_BASIS_CODES[SubsidyBasis(basis)], empty=not lines
        ),
        issued_at=issue_day(),
    )
    title = _("Certificazione dei sussidi ricevuti – anno %(year)s") % {"year": year}
    basis_label = str(SubsidyBasis(basis).label)
    pdf = PdfDocument(
        title=title,
        subject=_("Sussidi ricevuti, %(basis)s %(year)s") % {"basis": basis_label.lower(), "year": year},
        footer_note=_("Codice di verifica %(code)s · rilasciata il %(date)s")
        % {"code": code, "date": format_date(today)},
    )
    pdf.heading(title)
    pdf.fields(_issuer_lines(), label_width=130)
    pdf.space(8)
    pdf.fields(
        [*_member_lines(member), (_("Ricerca per"), f"{basis_label} {year}")],
        label_width=130,
    )
    pdf.space(12)
    pdf.heading(_("Sussidi ricevuti"), size=12)
    if lines:
        columns = [
            Column(_("Intestatario"), 130),
            Column(_("Data spesa"), 70),
            Column(_("Importo speso"), 90, align="right"),
            Column(_("Importo rimborsato"), 100, align="right"),
            Column(_("Data pagamento"), CONTENT_WIDTH - 390),
        ]
        pdf.table(
            columns,
            (
                Row(
                    cells=[
                        line.holder,
                        format_date(line.expense_date),
                        format_eur(line.amount_spent),
                        format_eur(line.amount_paid),
                        format_date(line.paid_on),
                    ]
                )
                for line in lines
            ),
        )
    else:
        pdf.paragraph(_("Nessun sussidio ricevuto per l'anno selezionato."))
    spent = sum((line.amount_spent for line in lines), ZERO)
    paid = sum((line.amount_paid for line in lines), ZERO)
    pdf.space(4)
    pdf.total_line(_("Totale importi spesi"), format_eur(spent))
    pdf.total_line(_("Totale importi rimborsati"), format_eur(paid))
    pdf.space(12)
    pdf.paragraph(
        _(
            "Le spese sanitarie rimborsate non sono detraibili per la parte rimborsata. Se il rimborso è pagato in "
            "un anno successivo a quello in cui la spesa è stata detratta, l'importo rimborsato va dichiarato "
            "nell'anno in cui è ricevuto (modello 730, rigo D7)."
        ),
        size=9,
    )
    pdf.space(6)
    pdf.paragraph(
        _("Rilasciata il %(date)s su richiesta dell'interessato per gli usi consentiti dalla legge.")
        % {"date": format_date(today)},
        size=9,
    )
    _verification_paragraph(pdf, code)
    return pdf.finish()


def today_local() -> dt.date:
    return timezone.localdate()
