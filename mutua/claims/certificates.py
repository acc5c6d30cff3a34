"""Riepilogo sussidi ricevuti, "Stampa": the certificate of the subsidies a member received, by the year of the
expense (competenza) or of the reimbursement (pagamento). Regenerated from the current data at each download; its
code is checked on /verifica/ while the subsidies still exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from mutua.claims.models import Settlement
from mutua.claims.selectors import SubsidyBasis
from mutua.core.formatting import format_date, format_eur
from mutua.documents.issued import issuer_lines, verification_paragraph
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.pdf import CONTENT_WIDTH, Column, PdfDocument, Row
from mutua.documents.verification import (
    BASIS_COMPETENCE,
    BASIS_PAYMENT,
    VerifiedDocument,
    certificate_object_id,
    certificate_subject,
    certificate_verified,
    document_issue,
    issue_day,
)
from mutua.members.models import Member
from mutua.members.printing import member_lines
from mutua.plans.selectors import ZERO

# The guide: "i sussidi ricevuti negli ultimi tre anni".
SUBSIDY_YEARS = 3


_BASIS_CODES = {SubsidyBasis.COMPETENCE: BASIS_COMPETENCE, SubsidyBasis.PAYMENT: BASIS_PAYMENT}


def subsidy_years(*, today: dt.date) -> list[int]:
    """The years a member may search, newest first."""
    return [today.year - n for n in range(SUBSIDY_YEARS)]


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
    pdf.fields(issuer_lines(), label_width=130)
    pdf.space(8)
    pdf.fields(
        [*member_lines(member), (_("Ricerca per"), f"{basis_label} {year}")],
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
    verification_paragraph(pdf, code)
    return pdf.finish()


def subsidy_certificate_check(issued: IssuedDocument) -> VerifiedDocument | None:
    """/verifica/: valid while the member still has subsidies received in its selection (or still none)."""
    subject = certificate_subject(issued.object_id)
    listed = None
    if subject.basis in (BASIS_COMPETENCE, BASIS_PAYMENT) and Member.objects.filter(pk=subject.member_id).exists():
        received = Settlement.objects.filter(
            document__claim__member_id=subject.member_id, paid_on__isnull=False, amount_paid__gt=0
        )
        if subject.basis == BASIS_COMPETENCE:
            listed = received.filter(competence_year=subject.year).exists()
        else:
            listed = received.filter(payment_year=subject.year).exists()
    return certificate_verified(issued, listed=listed, with_basis=True)
