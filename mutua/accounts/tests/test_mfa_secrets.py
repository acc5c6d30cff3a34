"""Two-factor secrets at rest: encrypted with keys from the environment, so a copy of the database passes no one."""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib
import json

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from config.settings import mfa_development_key
from mutua.accounts import mfa_secrets
from mutua.accounts.tests.factories import recovery_codes, totp_code, totp_enable

LOGIN = "/accounts/login/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_data(user, kind: str) -> dict:
    """The authenticator's data as the database holds it: what a stolen copy of the database gives."""
    table = Authenticator._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {table} WHERE user_id = %s AND type = %s", [user.pk, kind])  # noqa: S608
        (value,) = cursor.fetchone()
    return value if isinstance(value, dict) else json.loads(value)


def sign_in_with_code(user, code: str) -> Client:
    browser = Client()
    browser.post(LOGIN, {"login": user.username, "password": "Segreta123"})
    browser.post(AUTHENTICATE, {"code": code})
    return browser


def signed_in(browser: Client, user) -> bool:
    return browser.session.get("_auth_user_id") == str(user.pk)


@pytest.mark.django_db
class TestAtRest:
    def test_the_database_holds_neither_the_app_secret_nor_the_recovery_seed(self, member):
        with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
            secret = totp_enable(member.user)
            codes = recovery_codes(member.user)
        totp, recovery = raw_data(member.user, "totp"), raw_data(member.user, "recovery_codes")
        dump = json.dumps([totp, recovery])
        assert secret not in dump
        assert totp["secret"].startswith("fernet:") and recovery["seed"].startswith("fernet:")
        assert not any(code in dump for code in codes)

    def test_a_copy_of_the_database_alone_passes_nobodys_second_factor(self, member):
        with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
            secret = totp_enable(member.user)
        right = totp_code(secret)
        stolen = raw_data(member.user, "totp")["secret"]
        # What the copy gives, tried as the app's secret every way it could be read: none gives the member's codes.
        for candidate in (stolen, stolen.removeprefix("fernet:"), base64.b32encode(stolen.encode()).decode()):
            with contextlib.suppress(ValueError, TypeError, binascii.Error):
                assert pyotp.TOTP(candidate).now() != right
        # A server started from the copy with any key but the mutual's opens nothing, and lets no one in.
        stranger_key = Fernet.generate_key().decode()
        with override_settings(MFA_SECRET_KEYS=[stranger_key]), pytest.raises(ImproperlyConfigured, match="KEYS"):
            sign_in_with_code(member.user, right)
        with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
            assert signed_in(sign_in_with_code(member.user, right), member.user)

    def test_a_value_stored_in_clear_is_refused_not_trusted(self, member):
        with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
            secret = totp_enable(member.user)
            Authenticator.objects.filter(user=member.user, type="totp").update(data={"secret": secret})
            with pytest.raises(ImproperlyConfigured, match="in clear"):
                sign_in_with_code(member.user, totp_code(secret))


@pytest.mark.django_db
class TestRotation:
    def test_old_secrets_still_work_after_a_new_key_is_put_first(self, member):
        with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
            secret = totp_enable(member.user)
            codes = recovery_codes(member.user)
        with override_settings(MFA_SECRET_KEYS=[NEW_KEY, OLD_KEY]):
            assert signed_in(sign_in_with_code(member.user, totp_code(secret)), member.user)
            assert signed_in(sign_in_with_code(member.user, codes[0]), member.user)

    def test_the_reencrypt_command_moves_every_secret_to_the_new_key_so_the_old_one_can_go(self, member, other_member):
        with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
            totp_enable(member.user)
            other_secret = totp_enable(other_member.user)
            codes = recovery_codes(member.user)
            assert signed_in(sign_in_with_code(member.user, codes[0]), member.user)  # one code used before rotation
        before = raw_data(member.user, "totp")["secret"]
        with override_settings(MFA_SECRET_KEYS=[NEW_KEY, OLD_KEY]):
            call_command("mfa_secrets_reencrypt", verbosity=0)
        assert raw_data(member.user, "totp")["secret"] != before
        assert raw_data(member.user, "recovery_codes")["used_mask"] == 1  # the used code stays used
        with override_settings(MFA_SECRET_KEYS=[NEW_KEY]):  # the old key dropped
            assert signed_in(sign_in_with_code(other_member.user, totp_code(other_secret)), other_member.user)
            assert signed_in(sign_in_with_code(member.user, codes[1]), member.user)
            assert not signed_in(sign_in_with_code(member.user, codes[0]), member.user)

    def test_without_keys_in_production_nothing_is_encrypted(self):
        with override_settings(MFA_SECRET_KEYS=[], DEBUG=False), pytest.raises(ImproperlyConfigured):
            mfa_secrets.encrypt("JBSWY3DPEHPK3PXP")

    def test_while_developing_a_key_is_derived_from_secret_key(self):
        key = mfa_development_key("x" * 50)
        assert len(base64.urlsafe_b64decode(key)) == 32 and key != mfa_development_key("y" * 50)
        with override_settings(MFA_SECRET_KEYS=[key]):
            assert mfa_secrets.decrypt(mfa_secrets.encrypt("JBSWY3DPEHPK3PXP")) == "JBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_the_data_migration_encrypts_rows_stored_in_clear_and_can_undo_it(member):
    with override_settings(MFA_SECRET_KEYS=[OLD_KEY]):
        secret = totp_enable(member.user)
        codes = recovery_codes(member.user)
        migration = importlib.import_module("mutua.accounts.migrations.0004_encrypt_mfa_secrets")
        from django.apps import apps

        migration.decrypt_existing(apps, connection.schema_editor())  # as allauth stored them before
        assert raw_data(member.user, "totp")["secret"] == secret
        migration.encrypt_existing(apps, connection.schema_editor())
        assert raw_data(member.user, "totp")["secret"].startswith("fernet:")
        assert signed_in(sign_in_with_code(member.user, totp_code(secret)), member.user)
        assert signed_in(sign_in_with_code(member.user, codes[0]), member.user)
