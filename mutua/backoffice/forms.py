"""Forms of the back-office actions; they only clean input, the services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.claims.models import ClaimKind, ClaimStatus, DocumentType
from mutua.claims.services import SUSPENSION_MAX_DAYS, SettlementFigures, SettlementLine
from mutua.core.provinces import regions

REASON_MAX = 1000
ITEMS_MAX = 20
ITEM_MAX = 200
DEFAULT_DEADLINE_DAYS = 30

AGE_CHOICES = [
    ("", _("Qualsiasi")),
    ("7", _("Più di 7 giorni")),
    ("30", _("Più di 30 giorni")),
    ("60", _("Più di 60 giorni")),
]


class WorklistFilterForm(forms.Form):
    """The worklist's GET filters; a wrong value is ignored, never an error page."""

    stato = forms.ChoiceField(label=_("Stato"), required=False)
    sede = forms.ChoiceField(label=_("Sede regionale"), required=False)
    tipo = forms.ChoiceField(label=_("Tipo"), required=False)
    eta = forms.ChoiceField(label=_("Trasmessa da"), required=False, choices=AGE_CHOICES)
    regione = forms.ChoiceField(label=_("Regione (sussidi allo studio)"), required=False)

    def __init__(self, *args: object, offices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["stato"].choices = [("", _("Da lavorare"))] + [  # type: ignore[attr-defined]
            (value, label) for value, label in ClaimStatus.choices if value != ClaimStatus.DRAFT
        ]
        self.fields["sede"].choices = [("", _("Tutte"))] + [(str(pk), name) for pk, name in offices]  # type: ignore[attr-defined]
        self.fields["tipo"].choices = [("", _("Tutti"))] + list(ClaimKind.choices)  # type: ignore[attr-defined]
        self.fields["regione"].choices = [("", _("Tutte"))] + [(r, r) for r in regions()]  # type: ignore[attr-defined]


class SuspendForm(forms.Form):
    """Documents to add: types from the list and/or free-text lines, and a deadline."""

    doc_types = forms.MultipleChoiceField(
        label=_("Documenti da integrare"),
        choices=DocumentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other = forms.CharField(
        label=_("Altri documenti o indicazioni, uno per riga"),
        required=False,
        max_length=ITEMS_MAX * ITEM_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il socio legge questo elenco nella pagina della pratica: non scrivere diagnosi."),
    )
    deadline = forms.DateField(
        label=_("Termine per l'invio"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indica il termine."), "invalid": _("Scrivi una data valida, gg/mm/aaaa.")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"deadline": timezone.localdate() + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean_other(self) -> list[str]:
        lines = [" ".join(line.split()) for line in self.cleaned_data["other"].splitlines()]
        lines = [line for line in lines if line]
        if any(len(line) > ITEM_MAX for line in lines):
            raise forms.ValidationError(_("Ogni riga può avere al massimo %(n)d caratteri.") % {"n": ITEM_MAX})
        return lines

    def clean_deadline(self) -> dt.date:
        value: dt.date = self.cleaned_data["deadline"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Il termine deve essere una data futura."))
        if value > today + dt.timedelta(days=SUSPENSION_MAX_DAYS):
            raise forms.ValidationError(
                _("Il termine non può superare %(n)d giorni da oggi.") % {"n": SUSPENSION_MAX_DAYS}
            )
        return value

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        labels = dict(DocumentType.choices)
        items = [str(labels[t]) for t in cleaned.get("doc_types") or []] + list(cleaned.get("other") or [])
        if not self.errors and not items:
            self.add_error("doc_types", _("Indica almeno un documento da integrare."))
        if len(items) > ITEMS_MAX:
            self.add_error("other", _("Al massimo %(n)d documenti.") % {"n": ITEMS_MAX})
        cleaned["items"] = items
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Il socio legge questo testo: non scrivere diagnosi."),
        error_messages={"required": _("Scrivi il motivo: il socio lo leggerà.")},
    )

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("Scrivi il motivo: il socio lo leggerà."))
        return str(value)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Nota per il socio"), required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


AMOUNT_MAX = Decimal("99999999.99")


class MoneyField(forms.Field):
    """An amount in euro as an operator types it: 1.234,56 or 1234.56, with or without the € sign."""

    default_error_messages = {"invalid": _("Scrivi un importo in euro, per esempio 70,00.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "")[:40].replace("€", "").replace(" ", "").strip()
        if not text:
            return None
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX or amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return amount.quantize(Decimal("0.01"))


class SettleForm(forms.Form):
    """ "Liquida": admitted, withheld and paid for each document, filled in with the computed figures.

    Only the shape of the amounts is checked here; claim_settle decides whether they are acceptable.
    """

    def __init__(self, *args: Any, lines: Sequence[SettlementLine], **kwargs: Any) -> None:
        initial = {}
        for line in lines:
            pk, out = line.document.pk, line.outcome
            initial.update(
                {
                    f"admitted_{pk}": str(out.admitted).replace(".", ","),
                    f"withheld_{pk}": str(out.withheld).replace(".", ","),
                    f"paid_{pk}": str(out.paid).replace(".", ","),
                }
            )
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        required = _("Indica l'importo.")
        for line in lines:
            pk = line.document.pk
            self.fields[f"admitted_{pk}"] = MoneyField(
                label=_("Importo ammesso"), error_messages={"required": required}
            )
            self.fields[f"withheld_{pk}"] = MoneyField(
                label=_("Franchigia / scoperto"), error_messages={"required": required}
            )
            self.fields[f"paid_{pk}"] = MoneyField(label=_("Importo liquidato"), error_messages={"required": required})
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Motivo della modifica"),
                required=False,
                max_length=REASON_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Obbligatorio se cambi gli importi calcolati. Il socio lo legge: non scrivere diagnosi."),
            )
            self.fields[f"reason_{pk}"].conditional = True  # type: ignore[attr-defined]  # required only when changed

    def fields_for(self, pk: int) -> list[forms.BoundField]:
        return [self[f"{name}_{pk}"] for name in ("admitted", "withheld", "paid", "reason")]

    def figures(self) -> dict[int, SettlementFigures]:
        data = self.cleaned_data
        return {
            line.document.pk: SettlementFigures(
                admitted=data[f"admitted_{line.document.pk}"],
                withheld=data[f"withheld_{line.document.pk}"],
                paid=data[f"paid_{line.document.pk}"],
                reason=data[f"reason_{line.document.pk}"].strip(),
            )
            for line in self.lines
        }

    def add_service_errors(self, errors: dict[int, dict[str, str]]) -> None:
        for pk, problems in errors.items():
            for name, message in problems.items():
                self.add_error(f"{name}_{pk}", message)


DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_field(label: Any) -> forms.DateField:  # a lazy translation
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indica la data."), "invalid": _("Scrivi una data valida, gg/mm/aaaa.")},
    )


class BookingTakeForm(forms.Form):
    """ "Prendi in carico" a booking: the authorization the provider will ask the member for."""

    authorization_code = forms.CharField(
        label=_("Codice di autorizzazione"),
        max_length=40,
        error_messages={
            "required": _("Indica il codice di autorizzazione."),
            "max_length": _("Il codice di autorizzazione può avere al massimo %(limit_value)d caratteri."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    valid_from = _date_field(_("Valida dal"))
    valid_until = _date_field(_("Valida fino al"))
    member_share = MoneyField(
        label=_("Importo a carico del socio"),
        help_text=_("Quanto il socio paga alla struttura; 0,00 se nulla."),
        error_messages={"required": _("Indica l'importo.")},
    )

    def __init__(self, *args: Any, appointment: dt.date | None, **kwargs: Any) -> None:
        if appointment is not None:
            kwargs.setdefault(
                "initial", {"valid_from": appointment, "valid_until": appointment, "member_share": "0,00"}
            )
        super().__init__(*args, **kwargs)
        self.appointment = appointment

    def clean_authorization_code(self) -> str:
        value = " ".join(self.cleaned_data["authorization_code"].split())
        if not value:
            raise forms.ValidationError(_("Indica il codice di autorizzazione."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end:
            if end < start:
                self.add_error("valid_until", _("La fine della validità non può precedere l'inizio."))
            elif self.appointment and not start <= self.appointment <= end:
                self.add_error(
                    "valid_from",
                    _("La validità deve comprendere il giorno della prestazione, il %(date)s.")
                    % {"date": self.appointment.strftime("%d/%m/%Y")},
                )
        return cleaned


class AuditSearchForm(forms.Form):
    """The audit log search; every field optional, a wrong value is an error next to its field."""

    matricola = forms.RegexField(
        label=_("Matricola del socio"),
        regex=r"^\d{1,12}$",
        required=False,
        max_length=12,
        error_messages={
            "invalid": _("La matricola è fatta di sole cifre, al massimo 12."),
            "max_length": _("La matricola è fatta di sole cifre, al massimo 12."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    operatore = forms.CharField(
        label=_("Operatore"),
        required=False,
        max_length=150,
        help_text=_("Nome utente, nome o cognome."),
        error_messages={"max_length": _("Al massimo %(limit_value)d caratteri.")},
    )
    azione = forms.ChoiceField(label=_("Azione"), required=False)
    dal = forms.DateField(
        label=_("Dal"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Scrivi una data valida, gg/mm/aaaa.")},
    )
    al = forms.DateField(
        label=_("Al"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Scrivi una data valida, gg/mm/aaaa.")},
    )

    def __init__(self, *args: Any, actions: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["azione"].choices = [("", _("Tutte")), *actions]  # type: ignore[attr-defined]

    def clean_matricola(self) -> str:
        value: str = self.cleaned_data["matricola"]
        return value.zfill(12) if value else ""

    def clean_operatore(self) -> str:
        return " ".join(self.cleaned_data["operatore"].split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("dal"), cleaned.get("al")
        if start and end and end < start:
            self.add_error("al", _("La data finale non può precedere quella iniziale."))
        return cleaned


class MemberSearchForm(forms.Form):
    """Soci: find members by code or name, and by whether they completed first access."""

    q = forms.CharField(
        label=_("Matricola o nome"),
        required=False,
        max_length=100,
        error_messages={"max_length": _("Al massimo %(limit_value)d caratteri.")},
    )
    primo_accesso = forms.ChoiceField(
        label=_("Primo accesso"),
        required=False,
        choices=[("", _("Tutti")), ("todo", _("Da completare")), ("done", _("Completato"))],
    )
