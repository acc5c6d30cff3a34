from __future__ import annotations

from typing import Any

import phonenumbers
from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from mutua.members.validators import normalize_user_code

USERNAME_HELP = _(
    "La matricola o il codice utente (12 cifre, ad esempio 000000003423). "
    "Se ne ha meno, aggiungiamo noi gli zeri iniziali."
)


def username_field() -> forms.CharField:
    return forms.CharField(
        label=_("Username"),
        max_length=40,
        help_text=USERNAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": _("Inserisci la username.")},
    )


class LoginForm(AllauthLoginForm):
    """allauth's login with the username padded to 12 digits and Italian labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"] = username_field()
        self.fields["password"].label = _("Password")
        self.fields["password"].error_messages["required"] = _("Inserisci la password.")
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        self.order_fields(["login", "password"])

    def clean_login(self) -> str:
        return normalize_user_code(self.cleaned_data["login"])


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


class ContactsForm(forms.Form):
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

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data.get("mobile"))


class NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("Nuova password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Almeno 8 caratteri, con almeno un numero, una lettera maiuscola e una minuscola."),
        error_messages={"required": _("Inserisci la nuova password.")},
    )
    new_password2 = forms.CharField(
        label=_("Conferma la nuova password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Scrivi di nuovo la nuova password.")},
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self) -> str:
        p1 = self.cleaned_data.get("new_password1")
        p2 = self.cleaned_data.get("new_password2", "")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("Le due password non coincidono."))
        return p2

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = self.cleaned_data.get("new_password1")
        if password and "new_password1" not in self.errors:
            try:
                password_validation.validate_password(password, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned


class FirstAccessForm(NewPasswordMixin, ContactsForm):
    privacy = forms.TypedChoiceField(
        label=_("Consenso al trattamento dei dati personali"),
        choices=[("1", _("Acconsento")), ("0", _("Non acconsento"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Indica se acconsenti al trattamento dei dati personali.")},
    )

    field_order = ["new_password1", "new_password2", "email", "mobile", "privacy"]


class CodesForm(forms.Form):
    email_code = forms.CharField(
        label=_("Codice ricevuto via email"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Inserisci il codice ricevuto via email.")},
    )
    sms_code = forms.CharField(
        label=_("Codice ricevuto via SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Inserisci il codice ricevuto via SMS.")},
    )

    def __init__(self, *args: Any, with_sms: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_sms:
            del self.fields["sms_code"]


class UsernameForm(forms.Form):
    username = username_field()

    def clean_username(self) -> str:
        return normalize_user_code(self.cleaned_data["username"])


class ResetCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Codice di sicurezza"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": _("Inserisci il codice ricevuto via email.")},
    )


class SetPasswordForm(NewPasswordMixin):
    pass
