"""The demo dataset: a coherent Italian mutual drawn from a fixed seed, loaded by `manage.py demo`.

The same seed on the same day gives the same rows (names, codici fiscali, IBANs, amounts, dates, file
contents); only primary keys, password hashes and random storage names differ. Rows go in with
bulk_create; claim histories are replayed through `claim_transition`, as real ones are made.

The entry points are here; the fixed accounts and plans are in `catalogue`, the builder that draws and writes
the rows in `builder`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mutua.accounts.models import Role, User
from mutua.accounts.passwords import first_access_password
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, ClaimSuspension, Settlement
from mutua.demo.builder import _Builder
from mutua.demo.catalogue import (
    DEFAULT_MEMBERS,
    DEFAULT_SEED,
    FAMILY_MEMBER_CODE,
    FAMILY_MEMBER_PASSWORD,
    LETTER_MEMBER_ACTIVATION_CODE,
    LETTER_MEMBER_CODE,
    MEMBER_CODE,
    MEMBER_PASSWORD,
    NAMED_USERNAMES,
    NEW_MEMBER_CODE,
    OPERATOR_PASSWORD,
    OPERATOR_USERNAME,
    REGIONAL_OPERATOR_PASSWORD,
    REGIONAL_OPERATOR_USERNAME,
    SUPERVISOR_PASSWORD,
    SUPERVISOR_USERNAME,
    DemoAccount,
    DemoResult,
)
from mutua.demo.letter import letter_member_ensure
from mutua.members.models import Beneficiary, Member
from mutua.plans.models import Contribution, Enrollment
from mutua.providers.models import Provider

# The named accounts are imported from here too: the browser tests sign in with them. (bench/seed.py borrows
# `_Builder`'s reference data from here as well.)
__all__ = [
    "DEFAULT_MEMBERS",
    "DEFAULT_SEED",
    "FAMILY_MEMBER_CODE",
    "FAMILY_MEMBER_PASSWORD",
    "MEMBER_CODE",
    "MEMBER_PASSWORD",
    "NAMED_USERNAMES",
    "NEW_MEMBER_CODE",
    "OPERATOR_PASSWORD",
    "OPERATOR_USERNAME",
    "REGIONAL_OPERATOR_PASSWORD",
    "REGIONAL_OPERATOR_USERNAME",
    "SUPERVISOR_PASSWORD",
    "SUPERVISOR_USERNAME",
    "DemoAccount",
    "DemoResult",
    "demo_accounts",
    "demo_counts",
    "demo_digest",
    "demo_generate",
]

ACCOUNTS_FILE_NAME = "demo-accounts.json"


def demo_generate(
    *, seed: int = DEFAULT_SEED, members: int = DEFAULT_MEMBERS, today: dt.date | None = None
) -> DemoResult:
    """Load the demo dataset and its named accounts, unless they are already there (then nothing changes).

    `members` counts the named members too, not the member of the activation letter (`demo.letter`), added after.
    """
    started = time.perf_counter()
    if members < 3:
        raise ValueError("Servono almeno 3 soci: i tre account dimostrativi.")
    created = not User.objects.filter(username__in=NAMED_USERNAMES).exists()
    if created:
        with transaction.atomic():
            _Builder(seed=seed, today=today or timezone.localdate()).build(members=members)
    _regional_operator_ensure()
    letter_member_ensure()
    accounts = demo_accounts()
    path = _write_accounts(accounts)
    return DemoResult(
        created=created,
        accounts=accounts,
        accounts_file=path,
        counts=demo_counts(),
        seconds=time.perf_counter() - started,
        digest=demo_digest(),
    )


def demo_accounts() -> list[DemoAccount]:
    """The named accounts with their passwords; the new member's is derived from the stored codice fiscale."""
    new_member = Member.objects.get(code=NEW_MEMBER_CODE)
    letter_member = Member.objects.get(code=LETTER_MEMBER_CODE)
    member = Member.objects.get(code=MEMBER_CODE)
    family_member = Member.objects.get(code=FAMILY_MEMBER_CODE)
    return [
        DemoAccount(
            key="new_member",
            username=NEW_MEMBER_CODE,
            password=first_access_password(username=NEW_MEMBER_CODE, fiscal_code=new_member.fiscal_code),
            name=new_member.full_name,
            role=Role.MEMBER,
            fiscal_code=new_member.fiscal_code,
            description="Socia che non ha mai effettuato l'accesso: usa la password di primo accesso "
            "(ultime 5 cifre della username e ultimi 5 caratteri del codice fiscale), poi il codice che arriva "
            "all'email e al cellulare del registro (in «Posta in uscita»). Ha una pratica cartacea sospesa in "
            "attesa di un documento.",
        ),
        DemoAccount(
            key="letter_member",
            username=LETTER_MEMBER_CODE,
            password=first_access_password(username=LETTER_MEMBER_CODE, fiscal_code=letter_member.fiscal_code),
            name=letter_member.full_name,
            role=Role.MEMBER,
            fiscal_code=letter_member.fiscal_code,
            description="Socio senza email né cellulare nel registro: dopo la password di primo accesso serve il "
            f"codice della lettera di attivazione, {LETTER_MEMBER_ACTIVATION_CODE} (gli operatori ne emettono di "
            "nuove da «Soci: primo accesso»).",
        ),
        DemoAccount(
            key="member",
            username=MEMBER_CODE,
            password=MEMBER_PASSWORD,
            name=member.full_name,
            role=Role.MEMBER,
            fiscal_code=member.fiscal_code,
            description="Socio con primo accesso completato e contatti verificati; pratiche in vari stati, una in "
            "lavorazione e una bozza: inviandola, i documenti si aggiungono alla pratica aperta.",
        ),
        DemoAccount(
            key="family_member",
            username=FAMILY_MEMBER_CODE,
            password=FAMILY_MEMBER_PASSWORD,
            name=family_member.full_name,
            role=Role.MEMBER,
            fiscal_code=family_member.fiscal_code,
            description="Socio con coniuge e due figli nel Piano Famiglia; pratiche chiuse per sé e per i familiari, "
            "nessuna aperta né in bozza: la prima richiesta è una pratica nuova. Ha notifiche da leggere.",
        ),
        DemoAccount(
            key="operator",
            username=OPERATOR_USERNAME,
            password=OPERATOR_PASSWORD,
            name="Laura Conti",
            role=Role.OPERATOR,
            description="Operatrice del back office.",
        ),
        DemoAccount(
            key="supervisor",
            username=SUPERVISOR_USERNAME,
            password=SUPERVISOR_PASSWORD,
            name="Stefano Marchetti",
            role=Role.SUPERVISOR,
            description="Supervisore, con accesso all'amministrazione di Django (/admin/).",
        ),
        DemoAccount(
            key="regional_operator",
            username=REGIONAL_OPERATOR_USERNAME,
            password=REGIONAL_OPERATOR_PASSWORD,
            name="Chiara Ferri",
            role=Role.REGIONAL_OPERATOR,
            description=f"Operatrice della {member.regional_office}: vede solo le pratiche e le prenotazioni dei "
            f"soci della sua sede (tra cui {member.full_name}); le prende in carico, le sospende e autorizza le "
            "prenotazioni, ma non respinge, non liquida e non paga.",
        ),
    ]


def _regional_operator_ensure() -> User:
    """The regional operator of the named member's office; added to a demo loaded before this persona existed."""
    office = Member.objects.select_related("regional_office").get(code=MEMBER_CODE).regional_office
    user, created = User.objects.get_or_create(
        username=REGIONAL_OPERATOR_USERNAME,
        defaults={
            "email": "operatore.lombardia@mutua.example",
            "first_name": "Chiara",
            "last_name": "Ferri",
            "role": Role.REGIONAL_OPERATOR,
            "regional_office": office,
        },
    )
    if created:
        user.set_password(REGIONAL_OPERATOR_PASSWORD)
        user.save(update_fields=["password"])
    return user


def demo_counts() -> dict[str, int]:
    return {
        "soci": Member.objects.count(),
        "familiari": Beneficiary.objects.count(),
        "adesioni": Enrollment.objects.count(),
        "contributi": Contribution.objects.count(),
        "strutture": Provider.objects.count(),
        "pratiche": Claim.objects.count(),
        "documenti": ClaimDocument.objects.count(),
        "allegati": Attachment.objects.count(),
        "liquidazioni": Settlement.objects.count(),
    }


def demo_digest() -> str:
    """A fingerprint of what the seed decides: no primary keys, password hashes or storage names."""
    digest = hashlib.sha256()

    def feed(rows: QuerySet[Any, Any]) -> None:
        for row in rows:
            digest.update(repr(tuple(str(value) for value in row)).encode())

    feed(User.objects.order_by("username").values_list("username", "role", "is_staff", "is_superuser"))
    feed(
        Member.objects.order_by("code").values_list(
            "code",
            "kind",
            "fiscal_code",
            "first_name",
            "last_name",
            "sex",
            "birth_date",
            "birth_place",
            "residence_street",
            "residence_cap",
            "residence_city",
            "residence_province",
            "domicile_city",
            "email",
            "mobile",
            "iban",
            "account_holder",
            "regional_office__code",
        )  # fmt: skip
    )
    feed(
        Beneficiary.objects.order_by("member__code", "fiscal_code").values_list(
            "member__code", "relationship", "fiscal_code", "first_name", "last_name", "birth_date"
        )
    )
    feed(
        Enrollment.objects.order_by("member__code", "start_date").values_list(
            "member__code", "plan__code", "start_date"
        )
    )
    feed(
        Contribution.objects.order_by("member__code", "year").values_list(
            "member__code", "year", "amount_due", "amount_paid", "family_part", "paid_on", "method"
        )
    )
    feed(
        Provider.objects.order_by("id").values_list(
            "name", "address", "city", "province", "latitude", "longitude", "phone", "direct_form"
        )
    )
    feed(Provider.categories.through.objects.order_by("provider_id", "category__slug").values_list("category__slug"))
    feed(
        Claim.objects.order_by("id").values_list(
            "member__code", "kind", "status", "created_at", "submitted_at", "block_reason", "assigned_to__username"
        )
    )
    feed(
        ClaimDocument.objects.order_by("id").values_list(
            "doc_type",
            "number",
            "issue_date",
            "amount",
            "provider_name",
            "provider_province",
            "beneficiary__fiscal_code",
        )  # fmt: skip
    )
    feed(
        ClaimSuspension.objects.order_by("id").values_list(
            "claim__member__code",
            "kind",
            "items",
            "deadline",
            "reason",
            "created_by__username",
            "created_at",
            "ended_at",
        )  # fmt: skip
    )
    feed(Attachment.objects.order_by("id").values_list("original_name", "content_type", "size", "sha256"))
    feed(
        ClaimEvent.objects.order_by("id").values_list(
            "from_status", "to_status", "actor__username", "note", "created_at"
        )
    )
    feed(
        Settlement.objects.order_by("id").values_list(
            "amount_requested",
            "amount_admitted",
            "amount_withheld",
            "amount_paid",
            "reason",
            "competence_year",
            "payment_year",
            "paid_on",
        )  # fmt: skip
    )
    return digest.hexdigest()


def _write_accounts(accounts: Sequence[DemoAccount]) -> Path:
    path = Path(settings.VAR_DIR) / ACCOUNTS_FILE_NAME
    payload = {
        account.key: {
            "username": account.username,
            "password": account.password,
            "name": account.name,
            "role": account.role,
            **({"fiscal_code": account.fiscal_code} if account.fiscal_code else {}),
            "description": account.description,
        }
        for account in accounts
    }
    content = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return path
