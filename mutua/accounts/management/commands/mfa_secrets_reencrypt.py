"""`manage.py mfa_secrets_reencrypt`: after a new key is put first in MFA_SECRET_KEYS, encrypt every stored
two-factor secret with it, so the old keys can then be dropped (docs/operations.md, "Two-factor secrets").

Safe to run any time and more than once: a secret already under the first key is encrypted again, nothing else
changes.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand

from mutua.accounts.mfa_secrets import reencrypt_all


class Command(BaseCommand):
    help = "Encrypts every TOTP secret and recovery-code seed with the first key of MFA_SECRET_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = reencrypt_all(Authenticator.objects.all())
        if options["verbosity"] >= 1:
            self.stdout.write(f"two-factor secrets encrypted with the first key: {changed}")
