"""Second-factor secrets encrypted at rest: a copy of the database alone passes nobody's second factor.

allauth.mfa keeps the authenticator app's secret (TOTP) and the seed the recovery codes derive from in
``mfa_authenticator.data``, through ``MFAAdapter.encrypt/decrypt``. Those go through here: Fernet (AES-128-CBC
and HMAC-SHA256) with the keys of ``MFA_SECRET_KEYS``, a list kept in the environment, apart from the database.

- The first key encrypts; every key of the list decrypts (``MultiFernet``). Rotation: put a new key first, keep the
  old ones after it, deploy, run ``manage.py mfa_secrets_reencrypt``, then drop the old keys (docs/operations.md).
- A stored value is ``fernet:`` and the token, so a value written in clear (before the data migration
  ``accounts.0004_encrypt_mfa_secrets``) is never mistaken for one, and is refused rather than trusted; so is one
  that no key opens (ImproperlyConfigured: the request fails, loudly, rather than letting anybody in).
- No key with DEBUG off: nothing can be encrypted or decrypted (ImproperlyConfigured), and ``check --deploy``
  says so (accounts.E001). While developing (DEBUG on when settings load), config/settings.py derives one from
  SECRET_KEY (``mfa_development_key``).
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

PREFIX = "fernet:"


def configured_keys() -> list[str]:
    return [key.strip() for key in settings.MFA_SECRET_KEYS if key.strip()]


def _fernet() -> MultiFernet:
    keys = configured_keys()
    if not keys:
        raise ImproperlyConfigured("MFA_SECRET_KEYS is empty: second-factor secrets cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"MFA_SECRET_KEYS holds a key that is not a Fernet key: {error}") from error


def encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    """The secret; a value in clear, or one no key of the list opens, stops the request (a configuration error)."""
    if not stored.startswith(PREFIX):
        raise ImproperlyConfigured("A second-factor secret is stored in clear: run the migrations (accounts.0004).")
    try:
        return _fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "No key of MFA_SECRET_KEYS opens a second-factor secret: was a key dropped before "
            "`manage.py mfa_secrets_reencrypt` ran?"
        ) from error


def rotate(stored: str) -> str:
    """The same secret, encrypted with the first key (a value in clear is encrypted)."""
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    return PREFIX + _fernet().rotate(stored.removeprefix(PREFIX).encode()).decode()


def data_transform(kind: str, data: dict[str, Any], transform: Any) -> dict[str, Any]:
    """An authenticator's ``data`` with its secret fields passed through `transform` (other fields untouched)."""
    data = dict(data)
    if kind == "totp" and "secret" in data:
        data["secret"] = transform(data["secret"])
    elif kind == "recovery_codes":
        if "seed" in data:
            data["seed"] = transform(data["seed"])
        if "migrated_codes" in data:
            data["migrated_codes"] = [transform(code) for code in data["migrated_codes"]]
    return data


def reencrypt_all(authenticators: Any) -> int:
    """Re-encrypt every TOTP and recovery-code secret with the first key; returns how many rows changed.

    Each row is locked while it is rewritten, so a recovery code used meanwhile is not marked unused again.
    """
    rows = authenticators.filter(type__in=["totp", "recovery_codes"])
    changed = 0
    for pk in list(rows.values_list("pk", flat=True)):
        with transaction.atomic(using=rows.db):
            authenticator = rows.select_for_update().filter(pk=pk).first()
            if authenticator is None:  # removed meanwhile
                continue
            data = data_transform(authenticator.type, authenticator.data, rotate)
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed


def secret_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: production needs MFA_SECRET_KEYS, each a valid Fernet key."""
    hint = _(
        "Imposta MFA_SECRET_KEYS a una o più chiavi separate da virgole (la prima cifra), generate con "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
    )
    keys = [key.strip() for key in settings.MFA_SECRET_KEYS if key.strip()]
    if not keys:
        return [
            Error(
                _("MFA_SECRET_KEYS è vuoto: i segreti dell'autenticazione a due fattori non possono essere cifrati."),
                hint=hint,
                id="accounts.E001",
            )
        ]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return [Error(_("MFA_SECRET_KEYS contiene una chiave non valida."), hint=hint, id="accounts.E002")]
    return []
