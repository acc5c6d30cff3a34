"""Forms of the member's claim pages; they clean input into the services' data classes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.claims.models import EXPENSE_DOCUMENT_TYPES, GRADE_SCALES, ClaimKind, DocumentType, SchoolType
from mutua.claims.services import DocumentData
from mutua.core.provinces import province_choices
from mutua.documents.forms import MultipleFileField
from mutua.members.models import Member

MAX_AMOUNT = Decimal("200000.00")
MEMBER_HOLDER = "socio"


def parse_italian_amount(text: str) -> Decimal:
    """ "1.234,56", "1234,56", "1234.56", "€ 80" → Decimal; thousands dots are recognised only with 3 digits."""
    value = re.sub(r"[\s€]", "", text or "")
    if not value:
        raise ValueError("empty")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", value):
        raise ValueError("format")
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError("format") from exc


class AmountField(forms.Field):
    """An amount typed the Italian way; the page shows back exactly what was typed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}), **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(_("Scrivi l'importo in euro, ad esempio 1.234,56."), code="amount_format")
        try:
            amount = parse_italian_amount(text)
        except ValueError:
            raise forms.ValidationError(_("Scrivi l'importo in euro, ad esempio 1.234,56."), code="amount_format")
        if amount <= 0:
            raise forms.ValidationError(_("L'importo deve essere maggiore di zero."), code="amount_positive")
        if amount > MAX_AMOUNT:
            raise forms.ValidationError(
                _("L'importo supera € 200.000,00: controllalo, oppure scrivi all'infocenter."), code="amount_max"
            )
        return amount


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Tipo di pratica"),
        choices=[
            (ClaimKind.REIMBURSEMENT_STANDARD, _("Standard")),
            (ClaimKind.REIMBURSEMENT_SURGERY, _("Intervento chirurgico")),
        ],
        widget=forms.RadioSelect,
    )


class DocumentForm(forms.Form):
    """One document of the claim: "Carica documento" (guide, step 2)."""

    doc_type = forms.ChoiceField(
        label=_("Tipo documento"),
        choices=[
            ("", _("Scegli il tipo di documento")),
            *[c for c in DocumentType.choices if c[0] != DocumentType.CERTIFICATO_SCOLASTICO],
        ],
        error_messages={"required": _("Scegli il tipo di documento.")},
    )
    number = forms.CharField(
        label=_("Numero documento"), max_length=40, required=False, help_text=_("Obbligatorio per fatture e ricevute.")
    )
    issue_date = forms.DateField(
        label=_("Data di emissione"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Inserisci la data di emissione del documento."),
            "invalid": _("Inserisci una data valida, ad esempio 15/03/2026."),
        },
    )
    amount = AmountField(
        label=_("Importo totale pagato (€)"),
        required=False,
        help_text=_("Ad esempio 1.234,56. Obbligatorio per fatture e ricevute."),
    )
    provider_province = forms.ChoiceField(
        label=_("Provincia del fornitore"),
        choices=[("", _("Scegli la provincia")), *province_choices()],
        error_messages={"required": _("Scegli la provincia del fornitore.")},
    )
    provider_name = forms.CharField(
        label=_("Nome del fornitore"),
        max_length=200,
        help_text=_("Studio medico, ospedale, ASL…"),
        error_messages={"required": _("Inserisci il nome del fornitore che ha emesso il documento.")},
    )
    holder = forms.ChoiceField(label=_("Intestatario del documento"))
    notes = forms.CharField(
        label=_("Annotazioni"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Qui puoi indicare un IBAN diverso, valido solo per questa pratica."),
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a field named like BaseForm.files: Django allows it
        label=_("File del documento"),
        required=True,
        help_text=_("pdf, jpg, jpeg, tif o tiff, al massimo 2 MB ciascuno. Puoi sceglierne più di uno."),
        error_messages={"required": _("Allega almeno un file del documento.")},
    )

    def __init__(self, *args: Any, member: Member, with_files: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        self.beneficiaries = {str(b.pk): b for b in member.beneficiaries.all()}
        holder = self.fields["holder"]
        assert isinstance(holder, forms.ChoiceField)
        holder.choices = [(MEMBER_HOLDER, f"{member.full_name} ({_('socio')})")] + [
            (pk, f"{b.first_name} {b.last_name} ({b.get_relationship_display()})")
            for pk, b in self.beneficiaries.items()
        ]
        self.fields["holder"].initial = MEMBER_HOLDER
        # Required for invoices and receipts only: the label must not call them optional.
        self.fields["number"].conditional = True  # type: ignore[attr-defined]
        self.fields["amount"].conditional = True  # type: ignore[attr-defined]
        if not with_files:
            del self.fields["files"]

    def clean_issue_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["issue_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("La data di emissione non può essere nel futuro."))
        if value.year < 2000:
            raise forms.ValidationError(_("Controlla l'anno della data di emissione."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("doc_type") in EXPENSE_DOCUMENT_TYPES:
            if not cleaned.get("number") and "number" not in self.errors:
                self.add_error("number", _("Per fatture e ricevute il numero è obbligatorio."))
            if cleaned.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", _("Per fatture e ricevute l'importo è obbligatorio."))
        return cleaned

    def document_data(self) -> DocumentData:
        c = self.cleaned_data
        return DocumentData(
            doc_type=c["doc_type"],
            number=c["number"].strip(),
            issue_date=c["issue_date"],
            amount=c["amount"],
            provider_province=c["provider_province"],
            provider_name=c["provider_name"].strip(),
            beneficiary=self.beneficiaries.get(c["holder"]),
            notes=c["notes"].strip(),
        )


class FilesForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]  # a field named like BaseForm.files: Django allows it
        label=_("Aggiungi file"),
        help_text=_("pdf, jpg, jpeg, tif o tiff, al massimo 2 MB ciascuno."),
        error_messages={"required": _("Scegli almeno un file.")},
    )


def parse_grade(text: str) -> tuple[int, bool]:
    """ "100", "110 e lode", "110L", "10 con lode" → (grade, honours)."""
    value = (text or "").strip().lower()
    match = re.fullmatch(r"(\d{1,3})\s*(?:(?:e|con)?\s*(lode|l))?", value)
    if not match:
        raise ValueError("format")
    return int(match.group(1)), bool(match.group(2))


class RegionForm(forms.Form):
    region = forms.ChoiceField(
        label=_("Regione"),
        error_messages={"required": _("Scegli la regione."), "invalid_choice": _("Scegli una regione dall'elenco.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from mutua.core.provinces import regions

        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("Scegli la regione")), *[(r, r) for r in regions()]]


class StudyDocumentForm(forms.Form):
    """One certificate of a study subsidy: who, which school, the grade, the school office's certificate."""

    holder = forms.ChoiceField(label=_("Rimborso richiesto per"))
    school_type = forms.ChoiceField(
        label=_("Tipo di scuola o università"),
        choices=[("", _("Scegli il tipo di scuola")), *SchoolType.choices],
        error_messages={"required": _("Scegli il tipo di scuola o università.")},
    )
    grade = forms.CharField(
        label=_("Voto conseguito"),
        max_length=20,
        help_text=_("Ad esempio 9, 95, 110 e lode."),
        error_messages={"required": _("Inserisci il voto conseguito.")},
    )
    provider_name = forms.CharField(
        label=_("Scuola o università"),
        max_length=200,
        error_messages={"required": _("Inserisci il nome della scuola o dell'università.")},
    )
    issue_date = forms.DateField(
        label=_("Data del certificato"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Inserisci la data del certificato."),
            "invalid": _("Inserisci una data valida, ad esempio 15/07/2026."),
        },
    )
    notes = forms.CharField(
        label=_("Annotazioni"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a field named like BaseForm.files: Django allows it
        label=_("Certificato della segreteria"),
        help_text=_("pdf, jpg, jpeg, tif o tiff, al massimo 2 MB ciascuno."),
        error_messages={"required": _("Allega il certificato rilasciato dalla segreteria.")},
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beneficiaries = {str(b.pk): b for b in member.beneficiaries.all()}
        holder = self.fields["holder"]
        assert isinstance(holder, forms.ChoiceField)
        holder.choices = [
            (pk, f"{b.first_name} {b.last_name} ({b.get_relationship_display()})")
            for pk, b in self.beneficiaries.items()
        ] + [(MEMBER_HOLDER, f"{member.full_name} ({_('socio')})")]

    clean_issue_date = DocumentForm.clean_issue_date

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        school_type, text = cleaned.get("school_type"), cleaned.get("grade")
        if school_type and text:
            low, high, honours_possible = GRADE_SCALES[school_type]
            try:
                grade, honours = parse_grade(text)
            except ValueError:
                self.add_error("grade", _("Scrivi il voto in numeri, ad esempio 95 o 110 e lode."))
                return cleaned
            if not low <= grade <= high:
                self.add_error(
                    "grade",
                    _("Per questo tipo di scuola il voto va da %(low)d a %(high)d.") % {"low": low, "high": high},
                )
            elif honours and (grade != high or not honours_possible):
                self.add_error("grade", _("La lode si assegna solo con il voto massimo (%(high)d).") % {"high": high})
            else:
                cleaned["grade_value"], cleaned["grade_honours"] = grade, honours
        return cleaned

    def document_data(self) -> DocumentData:
        c = self.cleaned_data
        return DocumentData(
            doc_type=DocumentType.CERTIFICATO_SCOLASTICO,
            number="",
            issue_date=c["issue_date"],
            amount=None,
            provider_province="",
            provider_name=c["provider_name"].strip(),
            beneficiary=self.beneficiaries.get(c["holder"]),
            notes=c["notes"].strip(),
            school_type=c["school_type"],
            grade=c["grade_value"],
            grade_honours=c["grade_honours"],
        )
