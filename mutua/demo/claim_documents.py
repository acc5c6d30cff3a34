"""The documents of the demo's claims: invoices and certificates from providers near the member, their scans,
and what a settlement pays for each under the plan's terms."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from decimal import Decimal

from django.core.files.base import ContentFile

from mutua.claims.models import EXPENSE_DOCUMENT_TYPES, Attachment, ClaimDocument, ClaimKind, DocumentType
from mutua.core.formatting import format_date, format_eur
from mutua.demo import names
from mutua.demo.drawing import _BuilderBase, _money
from mutua.demo.files import document_jpeg, document_pdf
from mutua.demo.specs import _ClaimSpec, _DocumentSpec, _Household, _Money
from mutua.members.models import Beneficiary


class _ClaimDocuments(_BuilderBase):
    """A claim's documents from providers offering the service, what each is settled for, and their scans."""

    def _documents(self, household: _Household, *, kind: str, before: dt.date) -> list[_DocumentSpec]:
        rng = self.rng
        patients: list[tuple[Beneficiary | None, str]] = [(None, household.person.full_name)]
        patients += [(b, f"{b.first_name} {b.last_name}") for b in household.beneficiaries]
        earliest = max(household.start_date, before - dt.timedelta(days=150))
        if kind == ClaimKind.REIMBURSEMENT_SURGERY:
            beneficiary, patient = rng.choice(patients)
            provider, province = self._provider(household, "interventi-chirurgici")
            issued = self._random_date(earliest, before - dt.timedelta(days=3))
            docs = [
                self._document(
                    DocumentType.FATTURA, issued, provider, province, beneficiary, patient, "interventi-chirurgici"
                ),
                self._document(
                    DocumentType.CARTELLA_CLINICA,
                    issued,
                    provider,
                    province,
                    beneficiary,
                    patient,
                    "interventi-chirurgici",
                ),
            ]
            if rng.random() < 0.5:
                docs.append(
                    self._document(
                        DocumentType.CERTIFICATO_OSPEDALIERO, issued, provider, province, beneficiary, patient, ""
                    )
                )
            if beneficiary is None and rng.random() < 0.4:
                employer = f"{rng.choice(names.SURNAMES)} {rng.choice(names.EMPLOYER_KINDS)} S.r.l."
                docs.append(
                    self._document(
                        DocumentType.CERTIFICATO_DATORE_LAVORO,
                        min(issued + dt.timedelta(days=rng.randint(5, 20)), before),
                        employer,
                        household.province.code,
                        None,
                        patient,
                        "",
                    )
                )
            return docs
        docs = []
        for _ in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0]):
            beneficiary, patient = rng.choice(patients)
            category = rng.choice(household.plan.categories)
            provider, province = self._provider(household, category)
            doc_type = DocumentType.FATTURA if rng.random() < 0.8 else DocumentType.RICEVUTA
            issued = self._random_date(earliest, before)
            docs.append(self._document(doc_type, issued, provider, province, beneficiary, patient, category))
        return docs

    def _provider(self, household: _Household, category: str) -> tuple[str, str]:
        """A provider offering `category` where the member lives, else anywhere in Italy."""
        local = [name for name, slugs in self.providers[household.province.code] if category in slugs]
        if local:
            return self.rng.choice(local), household.province.code
        anywhere = [(name, code) for code, rows in self.providers.items() for name, slugs in rows if category in slugs]
        return self.rng.choice(anywhere)

    def _document(
        self,
        doc_type: str,
        issued: dt.date,
        provider: str,
        province: str,
        beneficiary: Beneficiary | None,
        patient: str,
        category: str,
    ) -> _DocumentSpec:
        rng = self.rng
        amount = None
        if doc_type in EXPENSE_DOCUMENT_TYPES:
            low, high = names.EXPENSE_RANGES[category]
            amount = Decimal(rng.randint(low, high))
            if rng.random() < 0.3:
                amount += Decimal(rng.randint(1, 99)) / 100
            amount = _money(amount)
        if doc_type == DocumentType.FATTURA:
            number = f"{rng.randint(1, 2400)}/{issued.year}"
        elif doc_type == DocumentType.RICEVUTA:
            number = f"R{rng.randint(100, 9999)}"
        elif doc_type == DocumentType.CARTELLA_CLINICA:
            number = f"CC-{issued.year}-{rng.randint(1000, 99999)}"
        else:
            number = str(rng.randint(100, 9999))
        service = dict(names.CATEGORIES).get(category, "")
        return _DocumentSpec(doc_type, number, issued, amount, provider, province, beneficiary, patient, service)

    def _settle(self, spec: _ClaimSpec) -> Decimal:
        """Amounts per expense document under the plan's terms: tariff cap, scoperto or franchigia."""
        rng = self.rng
        terms = spec.household.plan
        total = Decimal("0.00")
        expenses = [document for document in spec.documents if document.amount is not None]
        for index, document in enumerate(expenses):
            assert document.amount is not None
            requested = document.amount
            reasons = []
            roll = rng.random()
            # The first document is always paid something, so a settled claim never pays nothing.
            if roll < 0.05 and index:
                admitted = Decimal("0.00")
                reasons.append("Prestazione non prevista dalla forma di assistenza.")
            elif roll < 0.25 and requested >= 4 * terms.deductible_min:
                admitted = _money(requested * Decimal(rng.randint(60, 90)) / 100)
                reasons.append("Importo eccedente il tariffario della forma di assistenza.")
            else:
                admitted = requested
            withheld = min(admitted, max(terms.deductible_min, _money(admitted * terms.deductible_pct)))
            if withheld and terms.deductible_pct:
                reasons.append(
                    f"Scoperto del {terms.deductible_pct * 100:.0f}% (minimo {format_eur(terms.deductible_min)}) "
                    "a carico del socio."
                )
            elif withheld:
                reasons.append(f"Franchigia di {format_eur(terms.deductible_min)} a carico del socio.")
            paid = admitted - withheld
            document.money = _Money(requested, admitted, withheld, paid, " ".join(reasons))
            total += paid
        return total

    def _attachments(self, row: ClaimDocument, d: _DocumentSpec, spec: _ClaimSpec) -> Iterable[Attachment]:
        """One or two scans per document: a PDF, or photos taken with a phone."""
        rng = self.rng
        title = f"{DocumentType(d.doc_type).label} n. {d.number}"
        lines = [
            d.provider_name,
            f"Data: {format_date(d.issue_date)}",
            f"Intestatario: {d.patient}",
        ]
        if d.service:
            lines.append(f"Prestazione: {d.service.lower()}")
        if d.amount is not None:
            lines.append(f"Totale: {format_eur(d.amount)}")
        pages = 2 if rng.random() < 0.15 else 1
        as_pdf = rng.random() < 0.65
        for page in range(1, pages + 1):
            page_lines = [*lines, f"Pagina {page} di {pages}"]
            if as_pdf:
                data = document_pdf(title=title, lines=page_lines)
                number = "".join(c if c.isalnum() else "-" for c in d.number)
                original = f"{d.doc_type}_{number}{f'_{page}' if pages > 1 else ''}.pdf"
                content_type = "application/pdf"
            else:
                data = document_jpeg(title=title, lines=page_lines)
                shot = f"{rng.randint(8, 20):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
                original = f"IMG_{d.issue_date:%Y%m%d}_{shot}.jpg"
                content_type = "image/jpeg"
            attachment = Attachment(
                document=row,
                original_name=original,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                created_at=spec.created_at,
            )
            attachment.file.save(original, ContentFile(data), save=False)
            yield attachment
