from __future__ import annotations

from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.base.forms import AuthenticateForm as MFAAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthMFAReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from allauth.mfa.webauthn.forms import EditWebAuthnForm as AllauthEditWebAuthnForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from mutua.members.forms import clean_mobile, mobile_field
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
        return str(self.cleaned_data["email"]).strip()

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
        return str(p2)

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


class FirstAccessProofForm(forms.Form):
    """First access, before anything can be changed: the code sent to the registry's contacts, or a letter's."""

    code = forms.CharField(
        label=_("Codice"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
        error_messages={"required": _("Inserisci il codice.")},
    )

    def __init__(self, *args: Any, letter: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if letter:
            field.label = _("Codice di attivazione")
            field.help_text = _("Il codice di 12 caratteri stampato sulla lettera, ad esempio ACDE-FHJK-MNPR.")
            field.error_messages["required"] = _("Inserisci il codice di attivazione della lettera.")
        else:
            field.label = _("Codice di verifica")
            field.help_text = _(
                "Il codice di 6 cifre ricevuto via email o SMS. Se hai una lettera di attivazione, puoi inserire "
                "il codice della lettera."
            )
            field.widget.attrs["inputmode"] = "numeric"

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


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

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        """`fields`: the codes asked for ("email_code", "sms_code"), one per contact waiting for its code."""
        super().__init__(*args, **kwargs)
        for name in [name for name in self.fields if name not in fields]:
            del self.fields[name]


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


# --- Profilo: password, photo -----------------------------------------------------------------------------

PASSWORD_RULE_HELP = _("Almeno 8 caratteri, con almeno un numero, una lettera maiuscola e una minuscola.")


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's password change with the guide's labels and messages; the rules come from AUTH_PASSWORD_VALIDATORS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        texts = {
            "oldpassword": (_("Password attuale"), "", _("Inserisci la password attuale.")),
            "password1": (_("Nuova password"), PASSWORD_RULE_HELP, _("Inserisci la nuova password.")),
            "password2": (_("Conferma la nuova password"), "", _("Scrivi di nuovo la nuova password.")),
        }
        for name, (label, help_text, required) in texts.items():
            field = self.fields[name]
            field.label = label
            field.help_text = help_text
            field.error_messages["required"] = required
            field.widget.attrs.pop("placeholder", None)

    def clean_password2(self) -> str:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2", "")
        if password1 and password2 and password1 != password2:
            raise forms.ValidationError(_("Le due password non coincidono."))
        return str(password2)


class ReauthenticateForm(AllauthReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["password"]
        field.label = _("Password")
        field.help_text = ""
        field.error_messages["required"] = _("Inserisci la password.")
        field.widget.attrs.pop("placeholder", None)
        field.widget.attrs["autofocus"] = True


class ProfilePhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Foto"),
        help_text=_("Un'immagine JPEG o PNG di al massimo 2 MB. La ritagliamo in un quadrato e togliamo i dati EXIF."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        allow_empty_file=True,  # clean_photo says which file is empty
        error_messages={
            "required": _("Scegli la foto da caricare."),
            "invalid": _("Non è stato inviato un file: scegli la foto e riprova."),
        },
    )

    def clean_photo(self) -> Any:
        from mutua.documents.uploads import display_name

        photo = self.cleaned_data["photo"]
        if photo is not None and not photo.size:
            raise forms.ValidationError(_("«%(name)s» è vuoto.") % {"name": display_name(photo)}, code="empty")
        return photo


# --- Autenticazione a due fattori (allauth.mfa forms, through MFA_FORMS) ------------------------------------

MFA_TOO_MANY = _("Troppi codici errati. Per sicurezza riprova tra 5 minuti.")


def _code_field(field: forms.Field, *, label: StrOrPromise, help_text: StrOrPromise) -> None:
    field.label = label
    field.help_text = help_text
    field.error_messages["required"] = _("Inserisci il codice.")
    field.widget.attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}


class _RateLimitMessage:
    """allauth reports a locked code check with the login message; say it in the words of this step."""

    def clean_code(self) -> str:
        try:
            return str(super().clean_code())  # type: ignore[misc]  # a mixin: the form class it is mixed into has clean_code
        except forms.ValidationError as error:
            if error.code in ("too_many_login_attempts", "rate_limited"):
                raise forms.ValidationError(MFA_TOO_MANY, code=error.code)
            raise


def _recovery_mode() -> bool:
    from allauth.core import context

    request = context.request
    return request is not None and request.GET.get("recupero") == "1"


class AuthenticateForm(_RateLimitMessage, MFAAuthenticateForm):
    """The second step of the login: the app's code or, with «Usa un codice di recupero», a recovery code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _recovery_mode():
            _code_field(
                self.fields["code"],
                label=_("Codice di recupero"),
                help_text=_("Uno dei codici di 8 cifre salvati quando hai attivato l'autenticazione a due fattori."),
            )
        else:
            _code_field(
                self.fields["code"],
                label=_("Codice dell'app di autenticazione"),
                help_text=_("Il codice di 6 cifre che l'app mostra ora: cambia ogni 30 secondi."),
            )


class MFAReauthenticateForm(_RateLimitMessage, AllauthMFAReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_field(
            self.fields["code"],
            label=_("Codice"),
            help_text=_("Il codice di 6 cifre dell'app di autenticazione, oppure un codice di recupero."),
        )


class ActivateTOTPForm(_RateLimitMessage, AllauthActivateTOTPForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_field(
            self.fields["code"],
            label=_("Codice di verifica"),
            help_text=_("Il codice di 6 cifre che l'app mostra dopo aver inquadrato il QR code."),
        )

    def clean_code(self) -> str:
        code = super().clean_code()
        from mutua.accounts.services import totp_code_consume

        # allauth checks the first code without recording it: record it, so it cannot also open a login.
        totp_code_consume(user=self.user, code=code)
        return code


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Nome della passkey")
        self.fields["name"].help_text = _("Per riconoscerla tra le altre, ad esempio «Telefono» o «Portatile».")
        if "passwordless" in self.fields:
            self.fields["passwordless"].label = _("Usala anche per accedere senza password")
            self.fields["passwordless"].help_text = _(
                "Con «Accedi con una passkey» entrerai con l'impronta, il volto o il PIN del dispositivo."
            )
            self.fields["passwordless"].initial = True


class EditWebAuthnForm(AllauthEditWebAuthnForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Nome della passkey")
        self.fields["name"].error_messages["required"] = _("Inserisci un nome.")
