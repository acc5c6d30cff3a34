from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client, TestCase, override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper
from schwifty import IBAN
from stdnum.it import codicefiscale

from mutua.accounts.backends import FirstAccessBackend
from mutua.accounts.models import Role, User
from mutua.accounts.passwords import first_access_password
from mutua.audit.models import AuditEvent
from mutua.claims.models import (
    OPEN_STATUSES,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimStatus,
    ClaimSuspension,
    DocumentType,
    Settlement,
    SuspensionKind,
)
from mutua.claims.tests import samples
from mutua.core.formatting import format_date
from mutua.core.provinces import provinces
from mutua.core.testing import days_ago, typed
from mutua.demo import catalogue
from mutua.demo.catalogue import DemoResult
from mutua.demo.generator import demo_digest, demo_generate
from mutua.members.models import Beneficiary, Consent, Member, RegionalOffice, Relationship
from mutua.members.validators import fiscal_code_mismatches
from mutua.notifications.models import Notification, NotificationKind
from mutua.plans.models import Contribution, Enrollment, Plan
from mutua.providers.models import Category, Provider

TODAY = dt.date(2026, 11, 29)
MODELS = [
    User, Member, Beneficiary, RegionalOffice, Plan, Enrollment, Contribution, Category, Provider, Claim,
    ClaimDocument, Attachment, ClaimEvent, ClaimSuspension, Settlement, Consent, AuditEvent, Notification,
]  # fmt: skip


@pytest.fixture
def demo_dirs(settings: SettingsWrapper, tmp_path: Path) -> SettingsWrapper:
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def demo(db: None, demo_dirs: SettingsWrapper) -> DemoResult:
    return demo_generate(seed=2026, members=25, today=TODAY)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


class TestDemoDataset(TestCase):
    """Read-only checks share one generated dataset (setUpTestData): generating takes about two seconds."""

    tmp: Path
    result: DemoResult

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = Path(tempfile.mkdtemp())
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.enterClassContext(override_settings(VAR_DIR=cls.tmp / "var", MEDIA_ROOT=cls.tmp / "media"))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.result = demo_generate(seed=2026, members=25, today=TODAY)

    # --- People, money and places ---------------------------------------------------------------------------

    def test_members_and_family_have_valid_fiscal_codes_encoded_from_their_data(self) -> None:
        members = list(Member.objects.all())
        assert len(members) == 25 + 1  # and the member of the activation letter
        for member in members:
            codicefiscale.validate(member.fiscal_code)
            assert fiscal_code_mismatches(member.fiscal_code, birth_date=member.birth_date, sex=member.sex) == []
        for beneficiary in Beneficiary.objects.all():
            codicefiscale.validate(beneficiary.fiscal_code)
            assert fiscal_code_mismatches(beneficiary.fiscal_code, birth_date=beneficiary.birth_date) == []

    def test_ibans_are_valid_italian_ibans_with_their_cin(self) -> None:
        ibans = list(Member.objects.exclude(iban="").values_list("iban", flat=True))
        assert len(ibans) >= 20
        for value in ibans:
            iban = IBAN(value, validate_bban=True)
            assert iban.country_code == "IT"
            assert iban.bank_name

    def test_contacts_look_italian(self) -> None:
        for member in Member.objects.exclude(code=catalogue.LETTER_MEMBER_CODE):
            assert member.email.endswith("@esempio.it")
            assert "." in member.email.split("@")[0]
            assert not member.mobile or str(member.mobile).startswith("+393")
            assert member.residence_province in provinces()
            assert len(member.residence_cap) == 5

    def test_each_member_belongs_to_the_office_of_their_region_or_the_nearest(self) -> None:
        offices = {office.region: office for office in RegionalOffice.objects.all()}
        assert {"Lombardia", "Lazio", "Campania", "Sicilia"} <= set(offices)
        for member in Member.objects.select_related("regional_office"):
            region = provinces()[member.residence_province].region
            assert member.regional_office is not None
            if region in offices:
                assert member.regional_office == offices[region]

    def test_every_province_has_at_least_three_providers_near_it_with_categories(self) -> None:
        per_province = dict(Provider.objects.values_list("province").annotate(n=Count("id")))
        assert set(per_province) == set(provinces())
        assert len(per_province) == 110
        assert min(per_province.values()) >= 3
        assert not Provider.objects.filter(categories=None).exists()
        assert Provider.objects.filter(direct_form=True).exists()
        assert Provider.objects.filter(direct_form=False).exists()
        for provider in Provider.objects.all():
            province = provinces()[provider.province]
            assert abs(float(provider.latitude) - province.lat) < 0.1
            assert abs(float(provider.longitude) - province.lon) < 0.1

    def test_enrollments_and_contributions_cover_the_last_three_years(self) -> None:
        assert Enrollment.objects.count() == Member.objects.count()
        years = set(Contribution.objects.values_list("year", flat=True))
        assert years == {2024, 2025, 2026}
        for contribution in Contribution.objects.select_related("enrollment__plan"):
            assert Decimal("0") <= contribution.amount_paid <= contribution.amount_due
            assert (contribution.paid_on is None) == (contribution.amount_paid == 0)

    # --- Claims ---------------------------------------------------------------------------------------------

    def test_claims_exist_in_every_status(self) -> None:
        assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)

    def test_a_member_has_at_most_one_open_claim_and_drafts_only_after_signing_in(self) -> None:
        open_counts = Claim.objects.filter(status__in=OPEN_STATUSES).values("member").annotate(n=Count("id"))
        assert all(row["n"] == 1 for row in open_counts)
        drafts = Claim.objects.filter(status=ClaimStatus.DRAFT)
        assert not drafts.filter(member__user__first_access_completed_at=None).exists()

    def test_a_claim_taken_in_review_is_in_charge_of_the_operator_who_took_it(self) -> None:
        operator = User.objects.get(username="operatore")
        for status in (ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED):
            claims = Claim.objects.filter(status=status)
            assert claims.exists()
            assert set(claims.values_list("assigned_to", flat=True)) == {operator.pk}, status
            assert not any(claim.awaits_operator for claim in claims)
        for claim in Claim.objects.prefetch_related("events"):
            taken = [e.actor_id for e in claim.events.all() if e.to_status == ClaimStatus.IN_REVIEW]
            assert claim.assigned_to_id == (taken[-1] if taken else None), claim.status

    def test_a_suspended_claim_has_its_open_suspension_as_the_office_recorded_it(self) -> None:
        kinds = set()
        for claim in Claim.objects.filter(status=ClaimStatus.SUSPENDED).prefetch_related("suspensions", "events"):
            [suspension] = claim.suspensions.all()
            event = list(claim.events.all())[-1]
            assert suspension.ended_at is None and suspension.reminded_at is None
            assert (suspension.created_by, suspension.created_at) == (event.actor, event.created_at)
            kinds.add(suspension.kind)
            if suspension.kind == SuspensionKind.BLOCK:  # as claim_block records it
                assert suspension.reason == claim.block_reason != ""
                assert suspension.items == [] and suspension.deadline is None
            else:  # as claim_suspend_for_documents records it: a future deadline, told in the note
                assert suspension.items and all(item.strip() for item in suspension.items)
                assert TODAY < suspension.deadline <= event.created_at.date() + dt.timedelta(days=180)
                items, deadline = "; ".join(suspension.items), format_date(suspension.deadline)
                assert event.note == f"Documenti da integrare: {items}. Termine: {deadline}."
                assert claim.block_reason == ""
        assert kinds == {SuspensionKind.DOCUMENTS, SuspensionKind.BLOCK}
        assert not ClaimSuspension.objects.exclude(claim__status=ClaimStatus.SUSPENDED).exists()

    def test_claim_history_matches_the_status(self) -> None:
        for claim in Claim.objects.prefetch_related("events"):
            events = list(claim.events.all())
            if claim.status == ClaimStatus.DRAFT:
                assert events == []
                assert claim.submitted_at is None
                continue
            assert events[0].to_status == ClaimStatus.SUBMITTED
            assert events[0].created_at == claim.submitted_at
            assert events[-1].to_status == claim.status
            assert all(a.to_status == b.from_status for a, b in zip(events, events[1:], strict=False))
            assert all(a.created_at < b.created_at for a, b in zip(events, events[1:], strict=False))
            assert events[-1].created_at.date() < TODAY

    def test_settled_and_paid_claims_have_a_settlement_per_expense_document(self) -> None:
        for document in ClaimDocument.objects.select_related("claim"):
            settled = document.claim.status in (ClaimStatus.SETTLED, ClaimStatus.PAID)
            expense = document.doc_type in (DocumentType.FATTURA, DocumentType.RICEVUTA)
            assert Settlement.objects.filter(document=document).exists() == (settled and expense)
        for settlement in Settlement.objects.select_related("document__claim"):
            assert settlement.amount_withheld + settlement.amount_paid <= settlement.amount_admitted
            assert settlement.amount_admitted <= settlement.amount_requested == settlement.document.amount
            paid = settlement.document.claim.status == ClaimStatus.PAID
            assert (settlement.paid_on is not None) == paid
            if paid:
                assert settlement.payment_year == settlement.paid_on.year
        for claim in Claim.objects.filter(status__in=[ClaimStatus.SETTLED, ClaimStatus.PAID]):
            assert sum(s.amount_paid for s in Settlement.objects.filter(document__claim=claim)) > 0

    def test_attachments_are_real_pdf_and_jpeg_files_with_random_names(self) -> None:
        attachments = list(Attachment.objects.all())
        assert {a.content_type for a in attachments} == {"application/pdf", "image/jpeg"}
        assert ClaimDocument.objects.filter(attachments=None).count() == 0
        for attachment in attachments:
            assert attachment.file.name.startswith("attachments/")
            assert attachment.original_name not in attachment.file.name
            assert (self.tmp / "media" / attachment.file.name).exists()
            with default_storage.open(attachment.file.name) as fh:
                data = fh.read()
            assert len(data) == attachment.size
            assert hashlib.sha256(data).hexdigest() == attachment.sha256
            if attachment.content_type == "application/pdf":
                assert data.startswith(b"%PDF")
                assert b"Fattura n. " in data or attachment.document.doc_type != DocumentType.FATTURA
            else:
                assert Image.open(io.BytesIO(data)).format == "JPEG"

    # --- Named accounts -------------------------------------------------------------------------------------

    def test_named_accounts_can_sign_in_with_the_published_passwords(self) -> None:
        accounts = {a.key: a for a in self.result.accounts}
        assert set(accounts) == {
            "new_member",
            "letter_member",
            "member",
            "family_member",
            "operator",
            "supervisor",
            "regional_operator",
        }
        for key in ("member", "family_member", "operator", "supervisor", "regional_operator"):
            user = authenticate(None, username=accounts[key].username, password=accounts[key].password)
            assert user is not None, key
            assert user.username == accounts[key].username

        operator = User.objects.get(username="operatore")
        assert (operator.role, operator.is_staff, operator.is_superuser) == (Role.OPERATOR, False, False)
        supervisor = User.objects.get(username="supervisore")
        assert (supervisor.role, supervisor.is_staff, supervisor.is_superuser) == (Role.SUPERVISOR, True, True)

    def test_the_regional_operator_sees_only_the_claims_of_the_named_members_office(self) -> None:
        from mutua.backoffice.permissions import Action, can, claims_for_operator

        account = next(a for a in self.result.accounts if a.key == "regional_operator")
        user = User.objects.select_related("regional_office").get(username=account.username)
        mario = Member.objects.select_related("regional_office").get(code="000000012345")
        assert (user.role, user.is_staff) == (Role.REGIONAL_OPERATOR, False)
        assert user.regional_office == mario.regional_office
        assert mario.regional_office.name in account.description and mario.full_name in account.description

        visible = claims_for_operator(user=user)
        assert visible.filter(member=mario).exists()
        assert not visible.filter(member__code="000000054321").exists()  # Napoli: another office
        assert set(visible.values_list("member__regional_office", flat=True)) == {mario.regional_office.pk}
        assert can(user, Action.TAKE) and not can(user, Action.SETTLE) and not can(user, Action.PAY)

    def test_new_member_has_never_signed_in_and_uses_the_derived_password(self) -> None:
        account = next(a for a in self.result.accounts if a.key == "new_member")
        member = Member.objects.select_related("user").get(code="000000003423")
        assert account.username == member.user.username == "000000003423"
        assert account.fiscal_code == member.fiscal_code
        assert account.password == first_access_password(username=account.username, fiscal_code=member.fiscal_code)
        assert member.user.first_access_completed_at is None
        assert not member.user.has_usable_password()
        assert member.email and member.mobile
        assert member.email_verified_at is None and member.mobile_verified_at is None

        assert (
            FirstAccessBackend().authenticate(None, username=account.username, password=account.password) == member.user
        )
        assert ModelBackend().authenticate(None, username=account.username, password=account.password) is None

    def test_the_letter_member_has_no_contacts_and_a_letter_that_works(self) -> None:
        from mutua.accounts.activation import activation_code_check
        from mutua.accounts.first_access import first_access_path_for

        account = next(a for a in self.result.accounts if a.key == "letter_member")
        member = Member.objects.select_related("user").get(code=catalogue.LETTER_MEMBER_CODE)
        assert account.password == first_access_password(username=account.username, fiscal_code=member.fiscal_code)
        assert catalogue.LETTER_MEMBER_ACTIVATION_CODE in account.description
        assert member.email == "" and not member.mobile and first_access_path_for(member) == "letter"
        assert member.user.first_access_completed_at is None
        # The letter is valid for 30 days from the demo's day (TODAY), whatever day the tests' clock says.
        with time_machine.travel(dt.datetime.combine(TODAY, dt.time(12), tzinfo=timezone.get_current_timezone())):
            assert activation_code_check(member=member, code=catalogue.LETTER_MEMBER_ACTIVATION_CODE)
        assert member.enrollments.exists()

    def test_named_members_signed_in_verified_and_consented(self) -> None:
        for code in ("000000012345", "000000054321"):
            member = Member.objects.select_related("user").get(code=code)
            assert member.user.first_access_completed_at is not None
            assert member.contacts_verified
            assert member.mobile_verified_at is not None
            assert Consent.objects.filter(member=member, given=True).exists()

    def test_family_member_has_spouse_and_two_children_in_the_family_plan(self) -> None:
        member = Member.objects.get(code="000000054321")
        relationships = sorted(member.beneficiaries.values_list("relationship", flat=True))
        assert relationships == [Relationship.CHILD, Relationship.CHILD, Relationship.SPOUSE]
        enrollment = member.enrollments.get()
        assert enrollment.plan.code == "FAMIGLIA"
        assert enrollment.beneficiaries.count() == 3
        assert ClaimDocument.objects.filter(claim__member=member, beneficiary__isnull=False).exists()

    def test_named_members_have_claims_in_several_statuses_enrollments_and_contributions(self) -> None:
        for code in ("000000003423", "000000012345", "000000054321"):
            member = Member.objects.get(code=code)
            assert member.claims.values("status").distinct().count() >= 3
            assert member.enrollments.exists()
            assert member.contributions.count() == 3
        named = Claim.objects.filter(member__code__in=["000000003423", "000000012345", "000000054321"])
        # Every status but "Trasmessa", which the family member's first claim shows (the portal tests below).
        assert set(named.values_list("status", flat=True)) == set(ClaimStatus.values) - {ClaimStatus.SUBMITTED}

    def test_ordinary_members_have_not_signed_in(self) -> None:
        named = {"000000003423", "000000012345", "000000054321"}
        for member in Member.objects.select_related("user").exclude(code__in=named):
            assert member.user.username == member.code
            assert not member.user.has_usable_password()
            assert member.user.first_access_completed_at is None

    def test_accounts_are_written_to_the_var_folder(self) -> None:
        path = self.tmp / "var" / "demo-accounts.json"
        assert self.result.accounts_file == path
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["new_member"]["username"] == "000000003423"
        assert data["new_member"]["fiscal_code"] == Member.objects.get(code="000000003423").fiscal_code
        for account in self.result.accounts:
            assert data[account.key]["username"] == account.username
            assert data[account.key]["password"] == account.password


# --- Running it again, and the seed ---------------------------------------------------------------------


def test_second_run_changes_nothing_and_says_so(demo: DemoResult) -> None:
    before = row_counts()
    digest = demo_digest()

    again = demo_generate(seed=2026, members=25, today=TODAY)

    assert demo.created and not again.created
    assert row_counts() == before
    assert demo_digest() == digest
    assert again.accounts == demo.accounts


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db: None, demo_dirs: SettingsWrapper) -> None:
    def digest_of(seed: int) -> str:
        with transaction.atomic():
            demo_generate(seed=seed, members=25, today=TODAY)
            digest = demo_digest()
            transaction.set_rollback(True)
        return digest

    first = digest_of(2026)
    assert Member.objects.count() == 0
    assert digest_of(2026) == first
    assert digest_of(7) != first


def test_a_demo_loaded_before_the_regional_operator_existed_gets_it(demo: DemoResult) -> None:
    User.objects.filter(username=catalogue.REGIONAL_OPERATOR_USERNAME).delete()

    again = demo_generate(seed=2026, members=25, today=TODAY)

    assert not again.created and again.accounts == demo.accounts
    account = next(a for a in again.accounts if a.key == "regional_operator")
    assert authenticate(None, username=account.username, password=account.password) is not None


# --- What a newcomer meets through the portal ------------------------------------------------------------


@pytest.fixture
def demo_today(db: None, demo_dirs: SettingsWrapper) -> DemoResult:
    """The demo as `make run` loads it, dated by the tests' clock, to be used through the portal."""
    return demo_generate(seed=2026, members=25, today=timezone.localdate())


def send_a_claim(client: Client, code: str) -> str:
    """Richiesta di rimborso as the member does it: start (or resume) the draft, one invoice, Invia pratica.
    Returns the text of the result box."""
    client.force_login(Member.objects.get(code=code).user)
    draft_url = client.post(reverse("portal:reimbursement_start"))["Location"]
    pk = int(draft_url.split("/")[2])
    response = client.post(
        reverse("portal:document_add", args=[pk]),
        {
            "doc_type": "fattura",
            "number": "77/2026",
            "issue_date": typed(days_ago(5)),
            "amount": "120,00",
            "provider_province": "NA",
            "provider_name": "Studio dentistico Russo",
            "holder": "socio",
            "notes": "",
            "files": [samples.pdf_upload()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = str(Claim.objects.get(pk=pk).token)
    result = client.post(reverse("portal:claim_submit", args=[pk]), {"token": token}, follow=True)
    box = re.search(r'<div class="alert alert-success" role="status">\s*(.*?)\s*</div>', result.content.decode(), re.S)
    assert box, result.content.decode()[:2000]
    return box.group(1)


def test_the_family_member_starts_clean_and_his_first_claim_is_a_new_one_trasmessa(
    client: Client, demo_today: DemoResult
) -> None:
    family = Member.objects.get(code=catalogue.FAMILY_MEMBER_CODE)
    assert not family.claims.filter(status__in=[*OPEN_STATUSES, ClaimStatus.DRAFT]).exists()

    result = send_a_claim(client, catalogue.FAMILY_MEMBER_CODE)

    claim = family.claims.get(status=ClaimStatus.SUBMITTED)
    assert result == f"La pratica n. {claim.pk} è stata trasmessa."  # not joined to an older claim
    row = re.search(rf">{claim.pk}<.*?</tr>", client.get(reverse("portal:claim_list")).content.decode(), re.S)
    assert row and "Trasmessa" in row.group(0)


def test_the_family_member_has_unread_notifications_that_open_their_pages(
    client: Client, demo_today: DemoResult
) -> None:
    family = Member.objects.get(code=catalogue.FAMILY_MEMBER_CODE)
    client.force_login(family.user)
    notifications = list(family.notifications.all())
    unread = [n for n in notifications if n.read_at is None]
    assert len(unread) >= 2
    assert f'data-testid="unread">{len(unread)}<' in client.get(reverse("portal:home")).content.decode()

    by_kind = {n.kind: n for n in notifications}
    statuses = {}
    for notification in notifications:
        match = resolve(notification.url)
        assert client.get(notification.url).status_code == 200, notification.url
        if notification.kind == NotificationKind.CLAIM_STATUS:
            claim = family.claims.get(pk=match.kwargs["pk"])
            statuses[claim.status] = notification.title
            assert notification.title in (f"Pratica n. {claim.pk} pagata", f"Pratica n. {claim.pk} liquidata")
    assert set(statuses) == {ClaimStatus.PAID, ClaimStatus.SETTLED}
    office = by_kind[NotificationKind.GENERIC]
    assert resolve(office.url).view_name == "portal:certificates" and office.read_at is None


def test_the_new_member_s_suspended_claim_lists_the_documents_to_add_and_the_deadline(
    client: Client, demo_today: DemoResult
) -> None:
    anna = Member.objects.get(code=catalogue.NEW_MEMBER_CODE)
    claim = anna.claims.get(status=ClaimStatus.SUSPENDED)
    suspension = claim.suspensions.get(ended_at=None)
    client.force_login(anna.user)

    page = client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()

    assert "Pratica sospesa: documenti da integrare" in page
    listed = re.search(r'data-testid="documenti-richiesti">(.*?)</ul>', page, re.S)
    assert listed and all(f"<li>{item}</li>" in listed.group(1) for item in suspension.items)
    assert f"entro il {format_date(suspension.deadline)}" in page
    assert suspension.deadline > timezone.localdate()


def test_the_merge_rule_member_s_claim_joins_his_open_one(client: Client, demo_today: DemoResult) -> None:
    member = Member.objects.get(code=catalogue.MEMBER_CODE)
    open_claim = member.claims.get(status__in=OPEN_STATUSES)

    result = send_a_claim(client, catalogue.MEMBER_CODE)

    assert result.endswith(f"documenti sono stati accorpati alla pratica aperta n. {open_claim.pk}.")
    assert not member.claims.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.DRAFT]).exists()
    assert member.claims.get(status__in=OPEN_STATUSES) == open_claim


def test_too_few_members_is_refused(db: None, demo_dirs: SettingsWrapper) -> None:
    with pytest.raises(ValueError):
        demo_generate(members=2)


def test_command_prints_the_accounts_and_then_changes_nothing(db: None, demo_dirs: SettingsWrapper) -> None:
    out = io.StringIO()
    call_command("demo", "--members", "25", "--seed", "2026", stdout=out)
    first = out.getvalue()
    assert "Dati dimostrativi creati" in first
    for username in catalogue.NAMED_USERNAMES:
        assert username in first
    assert "Socio2026ok" in first
    counts = row_counts()

    out = io.StringIO()
    call_command("demo", "--members", "25", stdout=out)
    assert "già presenti" in out.getvalue()
    assert "operatore" in out.getvalue()
    assert row_counts() == counts
