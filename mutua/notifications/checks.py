"""Deploy checks (`manage.py check --deploy`): e-mail and SMS that reach members, no development outbox page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from mutua.notifications.sms import ConsoleSmsBackend, LocmemSmsBackend

# Django's e-mail backends that keep or print the message instead of sending it.
EMAIL_BACKENDS_THAT_DO_NOT_SEND = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)


def email_backend_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.EMAIL_BACKEND in EMAIL_BACKENDS_THAT_DO_NOT_SEND:
        return [
            Error(
                _("EMAIL_BACKEND (%(backend)s) non spedisce le e-mail: codici e avvisi non arriverebbero ai soci.")
                % {"backend": settings.EMAIL_BACKEND},
                hint=_(
                    "Lascia vuoto EMAIL_BACKEND (SMTP) e imposta EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, "
                    "EMAIL_HOST_PASSWORD ed EMAIL_USE_TLS al server SMTP della mutua."
                ),
                id="notifications.E001",
            )
        ]
    return []


def sms_backend_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError:
        backend = None
    if backend is None or (isinstance(backend, type) and issubclass(backend, ConsoleSmsBackend | LocmemSmsBackend)):
        return [
            Error(
                _("SMS_BACKEND (%(backend)s) non spedisce gli SMS: codici e avvisi non arriverebbero ai soci.")
                % {"backend": settings.SMS_BACKEND},
                hint=_(
                    "Imposta SMS_BACKEND=mutua.notifications.sms.HttpGatewaySmsBackend, SMS_GATEWAY_URL e "
                    "SMS_GATEWAY_TOKEN del gateway SMS."
                ),
                id="notifications.E002",
            )
        ]
    return []


def twilio_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Twilio chosen without its account: every SMS would fail, and no delivery report could be checked."""
    if settings.SMS_BACKEND != "mutua.notifications.twilio.TwilioSmsBackend":
        return []
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
        return []
    return [
        Error(
            _("SMS_BACKEND è Twilio ma manca l'account: gli SMS non partirebbero."),
            hint=_("Imposta TWILIO_ACCOUNT_SID e TWILIO_AUTH_TOKEN dell'account Twilio della mutua."),
            id="notifications.E004",
        )
    ]


def outbox_page_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.MUTUA_SHOW_OUTBOX:
        return [
            Error(
                _(
                    "La pagina di sviluppo «Posta in uscita» è attiva: mostrerebbe a chiunque ogni e-mail e SMS "
                    "inviato, codici compresi."
                ),
                hint=_("Imposta MUTUA_SHOW_OUTBOX=0."),
                id="notifications.E003",
            )
        ]
    return []
