"""The member's form of "Aggiorna i dati anagrafici"."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from mutua.core.provinces import province_choices
from mutua.members.models import Member, NoticeCategory, NoticeChannels, PaymentMethod, PostalAddress
from mutua.members.services import PersonalData
from mutua.members.validators import normalize_iban, validate_cap, validate_payment_iban

DOMICILE_FIELDS = ("domicile_street", "domicile_number", "domicile_cap", "domicile_city", "domicile_province")
DOMICILE_REQUIRED = {
    "domicile_street": _("Indica la via o la piazza del domicilio."),
    "domicile_number": _("Indica il numero civico del domicilio."),
    "domicile_cap": _("Indica il CAP del domicilio."),
    "domicile_city": _("Indica il comune del domicilio."),
    "domicile_province": _("Scegli la provincia del domicilio."),
}


def mobile_field() -> PhoneNumberField:
    return PhoneNumberField(
        label=_("Cellulare"),
        region="IT",
        required=False,
        help_text=_("Facoltativo, ma ti consigliamo di inserirlo: ti avviseremo via SMS sullo stato delle pratiche."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"invalid": _("Inserisci un numero di cellulare italiano valido, ad esempio 333 123 4567.")},
    )


def clean_mobile(value: Any) -> str:
    if not value:
        return ""
    if phonenumbers.number_type(value) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise forms.ValidationError(_("Il numero non è un cellulare: inserisci un numero di cellulare."))
    return str(value.as_e164)


class PersonalDataForm(forms.Form):
    domicile_same = forms.BooleanField(label=_("Il domicilio coincide con la residenza"), required=False)
    domicile_street = forms.CharField(
        label=_("Indirizzo (via, piazza)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    domicile_number = forms.CharField(label=_("Numero civico"), max_length=10, required=False)
    domicile_cap = forms.CharField(
        label=_("CAP"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        error_messages={"max_length": _("Il CAP è composto da 5 cifre.")},
    )
    domicile_city = forms.CharField(
        label=_("Comune"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    domicile_province = forms.ChoiceField(label=_("Provincia"), required=False)
    postal_address = forms.ChoiceField(
        label=_("Recapito postale"),
        choices=PostalAddress.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli dove ricevere la corrispondenza.")},
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("L'indirizzo email è obbligatorio: lì ti invieremo il codice di verifica."),
            "invalid": _("Inserisci un indirizzo email valido, ad esempio nome@esempio.it."),
        },
    )
    mobile = mobile_field()
    payment_method = forms.ChoiceField(
        label=_("Modalità di pagamento"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli la modalità di pagamento.")},
    )
    iban = forms.CharField(
        label=_("Nuovo IBAN"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
        error_messages={"max_length": _("L'IBAN non è valido: controlla di averlo copiato per intero.")},
    )
    account_holder = forms.CharField(
        label=_("Intestatario del conto"),
        max_length=140,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Indica l'intestatario del conto (nome e cognome).")},
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        kwargs.setdefault("initial", self.initial_for(member))
        super().__init__(*args, **kwargs)
        province = self.fields["domicile_province"]
        assert isinstance(province, forms.ChoiceField)
        province.choices = [("", _("Scegli la provincia")), *province_choices()]
        for name in DOMICILE_FIELDS:
            self.fields[name].conditional = True  # type: ignore[attr-defined]  # required unless "coincide"
        if member.iban:
            self.fields["iban"].help_text = _("Lascialo vuoto per continuare a ricevere i sussidi sull'IBAN attuale.")
        else:
            self.fields["iban"].label = _("IBAN")

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        return {
            "domicile_same": not member.has_domicile,
            **{name: getattr(member, name) for name in DOMICILE_FIELDS},
            "postal_address": member.postal_address,
            "email": member.pending_email or member.email,
            "mobile": (member.pending_mobile or member.mobile).as_national
            if (member.pending_mobile or member.mobile)
            else "",
            "payment_method": member.payment_method,
            "account_holder": member.account_holder,
        }

    def clean_domicile_cap(self) -> str:
        value = self.cleaned_data["domicile_cap"].strip()
        if value:
            validate_cap(value)
        return str(value)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data.get("mobile"))

    def clean_iban(self) -> str:
        value = normalize_iban(self.cleaned_data["iban"])
        if value:
            validate_payment_iban(value)
        return value

    def clean_account_holder(self) -> str:
        return " ".join(self.cleaned_data["account_holder"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("domicile_same"):
            for name, message in DOMICILE_REQUIRED.items():
                if name in data and not str(data[name]).strip():
                    self.add_error(name, ValidationError(message, code="required"))
        if "iban" in data and not data["iban"] and not self.member.iban:
            self.add_error("iban", _("Indica l'IBAN su cui ricevere i sussidi con bonifico."))
        return data

    def personal_data(self) -> PersonalData:
        """The cleaned form as the service takes it: with "coincide con la residenza" the domicile is emptied."""
        data = self.cleaned_data
        same = data["domicile_same"]
        return PersonalData(
            **{name: "" if same else data[name].strip() for name in DOMICILE_FIELDS},
            postal_address=data["postal_address"],
            email=data["email"],
            mobile=data["mobile"],
            payment_method=data["payment_method"],
            iban=data["iban"],
            account_holder=data["account_holder"],
        )


class NoticePreferencesForm(forms.Form):
    """ "Avvisi" on Profilo: one choice of channels per category of notice."""

    claims = forms.ChoiceField(label=_("Pratiche"), choices=NoticeChannels.choices, widget=forms.RadioSelect)
    bookings = forms.ChoiceField(label=_("Prenotazioni"), choices=NoticeChannels.choices, widget=forms.RadioSelect)
    reminders = forms.ChoiceField(label=_("Promemoria"), choices=NoticeChannels.choices, widget=forms.RadioSelect)
    news = forms.ChoiceField(label=_("Novità dalla mutua"), choices=NoticeChannels.choices, widget=forms.RadioSelect)

    HELP = {
        "claims": _("Ogni cambio di stato delle tue pratiche di rimborso e dei sussidi."),
        "bookings": _("Invio, presa in carico, rifiuto o annullamento delle prenotazioni in forma diretta."),
        "reminders": _("Le scadenze: per esempio i documenti da integrare entro una data."),
        "news": _("Comunicazioni della mutua a tutti i soci."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = self.HELP[name]
            field.error_messages["required"] = _("Scegli come ricevere questi avvisi.")
            field.error_messages["invalid_choice"] = _("Scegli una delle possibilità elencate.")

    @classmethod
    def for_member(cls, member: Member) -> NoticePreferencesForm:
        return cls(initial={category: getattr(member, f"notify_{category}") for category in NoticeCategory.values})
