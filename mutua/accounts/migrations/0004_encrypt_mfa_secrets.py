"""Encrypt the two-factor secrets allauth stored in clear (TOTP secrets, recovery-code seeds): mutua.accounts.mfa_secrets.

Needs MFA_SECRET_KEYS (with DEBUG off): without it the migration stops before changing anything.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    from mutua.accounts import mfa_secrets

    Authenticator = apps.get_model("mfa", "Authenticator")
    mfa_secrets.reencrypt_all(Authenticator.objects.using(schema_editor.connection.alias))


def decrypt_existing(apps: Any, schema_editor: Any) -> None:
    from mutua.accounts import mfa_secrets

    Authenticator = apps.get_model("mfa", "Authenticator")
    rows = Authenticator.objects.using(schema_editor.connection.alias).filter(type__in=["totp", "recovery_codes"])
    for authenticator in rows.iterator():
        authenticator.data = mfa_secrets.data_transform(
            authenticator.type,
            authenticator.data,
            lambda value: mfa_secrets.decrypt(value) if value.startswith(mfa_secrets.PREFIX) else value,
        )
        authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_regional_office"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False)]
