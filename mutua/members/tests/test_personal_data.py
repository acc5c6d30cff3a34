"""Dati anagrafici, the rules: IBAN and CAP checks, what a change stores, the versions and the notices it writes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from schwifty import IBAN

from mutua.accounts import contacts
from mutua.accounts.contacts import ContactCodesError
from mutua.accounts.models import CodePurpose, Role
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.members import services
from mutua.members.forms import PersonalDataForm
from mutua.members.models import Member, MemberChange
from mutua.members.selectors import member_changes_for
from mutua.members.tests.factories import UserFactory
from mutua.members.validators import validate_cap, validate_payment_iban
from mutua.notifications.models import OutboundMessage

NEW_IBAN = "IT60X0542811101000000123456"  # valid, CIN included (UBI Banca)


def with_check_digits(country: str, bban: str) -> str:
    """An IBAN whose ISO 7064 check digits are right whatever the BBAN says (to test the CIN check alone)."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def data_of(member: Member, **overrides: str) -> services.PersonalData:
    """What the form sends when the member changes nothing but `overrides`."""
    base = services.PersonalData(
        domicile_street=member.domicile_street,
        domicile_number=member.domicile_number,
        domicile_cap=member.domicile_cap,
        domicile_city=member.domicile_city,
        domicile_province=member.domicile_province,
        postal_address=member.postal_address,
        email=member.email,
        mobile=member.mobile.as_e164 if member.mobile else "",
        payment_method=member.payment_method,
        iban="",
        account_holder=member.account_holder,
    )
    return replace(base, **overrides)


def last_code(to: str) -> str:
    message = OutboundMessage.objects.filter(to=to).order_by("-id").first()
    assert message is not None, f"no message to {to}"
    return re.findall(r"\b(\d{6})\b", message.body)[-1]


DOMICILE = {
    "domicile_street": "Corso Francia",
    "domicile_number": "12/B",
    "domicile_cap": "10143",
    "domicile_city": "Torino",
    "domicile_province": "TO",
}


# --- IBAN rules ---------------------------------------------------------------------------------------------


class TestIban:
    def test_a_valid_italian_iban_is_accepted(self):
        validate_payment_iban(NEW_IBAN)

    def test_wrong_cin_is_refused_even_with_right_check_digits(self):
        good = IBAN(NEW_IBAN)
        wrong_cin = with_check_digits("IT", "Y" + str(good.bban)[1:])
        assert IBAN(wrong_cin, validate_bban=False)  # the ISO checksum alone would let it through
        with pytest.raises(ValidationError) as exc:
            validate_payment_iban(wrong_cin)
        assert "non è valido" in exc.value.messages[0]

    @pytest.mark.parametrize(
        "value",
        ["IT61X0542811101000000123456", "IT60X05428111010000001234", "", "IT", "<script>alert(1)</script>", "9" * 60],
    )
    def test_wrong_checksum_length_or_garbage_is_refused(self, value):
        with pytest.raises(ValidationError):
            validate_payment_iban(value)

    def test_outside_the_sepa_zone_is_refused(self):
        with pytest.raises(ValidationError) as exc:
            validate_payment_iban("BR1800360305000010009795493C1")
        assert "area SEPA" in exc.value.messages[0]

    def test_a_foreign_sepa_iban_is_accepted(self):
        validate_payment_iban("DE89370400440532013000")

    @pytest.mark.django_db
    def test_form_accepts_spaces_and_lower_case_and_stores_it_compact(self, member):
        form = PersonalDataForm(form_post(member, iban="it60 x054 2811 1010 0000 0123 456"), member=member)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["iban"] == NEW_IBAN


# --- CAP ------------------------------------------------------------------------------------------------------


class TestCap:
    @pytest.mark.parametrize("value", ["20121", "00010", "98168"])
    def test_five_digits_are_accepted(self, value):
        validate_cap(value)

    @pytest.mark.parametrize("value", ["2012", "201211", "ABCDE", "20 12", "２０１２１", "00000", "-2012"])
    def test_anything_else_is_refused(self, value):
        with pytest.raises(ValidationError):
            validate_cap(value)


def form_post(member: Member, **overrides: str | None) -> dict[str, str]:
    values = {
        "domicile_same": "on",
        "postal_address": "residence",
        "email": member.email,
        "mobile": member.mobile.as_national if member.mobile else "",
        "payment_method": "transfer",
        "iban": "",
        "account_holder": member.account_holder,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.django_db
class TestForm:
    def test_a_different_domicile_needs_every_part(self, member):
        form = PersonalDataForm(form_post(member, domicile_same=None, domicile_street="Corso Francia"), member=member)
        assert not form.is_valid()
        assert set(form.errors) == {"domicile_number", "domicile_cap", "domicile_city", "domicile_province"}
        assert form.errors["domicile_cap"] == ["Indica il CAP del domicilio."]

    def test_province_must_be_one_of_the_110(self, member):
        form = PersonalDataForm(
            form_post(member, domicile_same=None, **{**DOMICILE, "domicile_province": "XX"}), member=member
        )
        assert not form.is_valid() and "domicile_province" in form.errors

    def test_with_same_as_residence_the_domicile_is_emptied(self, member):
        form = PersonalDataForm(form_post(member, **DOMICILE), member=member)
        assert form.is_valid(), form.errors
        data = form.personal_data()
        assert data.domicile_street == data.domicile_cap == data.domicile_province == ""

    def test_the_account_holder_is_required(self, member):
        form = PersonalDataForm(form_post(member, account_holder="   "), member=member)
        assert form.errors["account_holder"] == ["Indica l'intestatario del conto (nome e cognome)."]

    def test_a_member_without_iban_must_give_one(self, member):
        member.iban = ""
        form = PersonalDataForm(form_post(member), member=member)
        assert form.errors["iban"] == ["Indica l'IBAN su cui ricevere i sussidi con bonifico."]


# --- Versions and notices -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestUpdate:
    def test_domicile_change_keeps_a_dated_version_of_each_field(self, member):
        member, changes = contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, postal_address="domicile", **DOMICILE)
        )
        assert not changes.needs_step_up
        member.refresh_from_db()
        assert (member.domicile_street, member.domicile_number, member.domicile_cap) == (
            "Corso Francia",
            "12/B",
            "10143",
        )
        rows = {c.field: c for c in member_changes_for(member=member)}
        assert set(rows) == {*DOMICILE, "postal_address"}
        assert (rows["domicile_city"].old_value, rows["domicile_city"].new_value) == ("", "Torino")
        assert (rows["postal_address"].old_value, rows["postal_address"].new_value) == ("residence", "domicile")
        assert {c.actor for c in rows.values()} == {member.user}
        assert len({c.changed_at for c in rows.values()}) == 1
        event = AuditEvent.objects.get(action="member.personal_data_changed")
        assert event.member == member and event.actor == member.user
        assert sorted(event.data["fields"]) == sorted(rows)

    def test_nothing_changed_writes_nothing(self, member):
        contacts.personal_data_update(member=member, actor=member.user, data=data_of(member))
        assert not MemberChange.objects.exists() and not AuditEvent.objects.exists()
        assert not OutboundMessage.objects.exists()

    def test_a_second_change_keeps_the_first_version(self, member):
        contacts.personal_data_update(member=member, actor=member.user, data=data_of(member, **DOMICILE))
        contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, **{**DOMICILE, "domicile_city": "Moncalieri"})
        )
        cities = list(
            member_changes_for(member=member).filter(field="domicile_city").values_list("old_value", "new_value")
        )
        assert cities == [("Torino", "Moncalieri"), ("", "Torino")]

    def test_iban_change_is_versioned_in_full_audited_without_it_and_told_to_the_old_email(self, member):
        old_iban, old_email = member.iban, member.email
        member, changes = contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, iban=NEW_IBAN, account_holder="Mario Rossi Bianchi")
        )
        assert changes.needs_step_up and changes.payment
        member.refresh_from_db()
        assert member.iban == NEW_IBAN and member.account_holder == "Mario Rossi Bianchi"
        row = MemberChange.objects.get(field="iban")
        assert (row.old_value, row.new_value) == (old_iban, NEW_IBAN)
        event = AuditEvent.objects.get(action="member.personal_data_changed")
        assert NEW_IBAN not in str(event.data) and old_iban not in str(event.data)
        notice = OutboundMessage.objects.get(subject__contains="Dati di pagamento modificati")
        assert notice.to == old_email and "3456" in notice.body and NEW_IBAN not in notice.body
        assert "Mario Rossi Bianchi" in notice.body

    def test_an_error_saves_nothing(self, member, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("disco pieno")

        monkeypatch.setattr(services, "member_changes_record", broken)
        before = member.iban
        with pytest.raises(RuntimeError):
            contacts.personal_data_update(
                member=member, actor=member.user, data=data_of(member, iban=NEW_IBAN, **DOMICILE)
            )
        member.refresh_from_db()
        assert member.iban == before and member.domicile_street == ""
        assert not AuditEvent.objects.exists() and not OutboundMessage.objects.exists()


@pytest.mark.django_db
class TestContactChange:
    def test_new_email_waits_for_its_code_then_replaces_the_verified_one(self, member):
        old_email = member.email
        member, changes = contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, email="mario.nuovo@esempio.it")
        )
        assert changes.needs_step_up and changes.email == "mario.nuovo@esempio.it"
        member.refresh_from_db()
        assert member.email == old_email and member.email_verified_at is not None
        assert member.pending_email == "mario.nuovo@esempio.it"
        assert not MemberChange.objects.exists()
        code = last_code("mario.nuovo@esempio.it")

        contacts.contacts_verify(member=member, actor=member.user, email_code=code, sms_code="")
        member.refresh_from_db()
        assert member.email == "mario.nuovo@esempio.it" and member.pending_email == ""
        row = MemberChange.objects.get()
        assert (row.field, row.old_value, row.new_value) == ("email", old_email, "mario.nuovo@esempio.it")
        notice = OutboundMessage.objects.get(subject__contains="Contatti modificati")
        assert notice.to == old_email
        assert AuditEvent.objects.filter(action="contacts.changed", member=member).exists()

    def test_new_mobile_gets_an_sms_code(self, member):
        contacts.personal_data_update(member=member, actor=member.user, data=data_of(member, mobile="+393479876543"))
        sms = OutboundMessage.objects.get(channel="sms")
        assert sms.to == "+393479876543"
        member.refresh_from_db()
        assert str(member.mobile) == "+393331234567" and str(member.pending_mobile) == "+393479876543"
        code = re.findall(r"\b(\d{6})\b", sms.body)[-1]
        contacts.contacts_verify(member=member, actor=member.user, email_code="", sms_code=code)
        member.refresh_from_db()
        assert str(member.mobile) == "+393479876543" and not member.pending_mobile

    def test_a_wrong_code_changes_nothing_and_counts_an_attempt(self, member):
        old_email = member.email
        contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, email="nuova@esempio.it", mobile="+393479876543")
        )
        member.refresh_from_db()
        sms_code = re.findall(r"\b(\d{6})\b", OutboundMessage.objects.get(channel="sms").body)[-1]
        with pytest.raises(ContactCodesError) as exc:
            contacts.contacts_verify(member=member, actor=member.user, email_code="000000", sms_code=sms_code)
        assert [e.field for e in exc.value.errors] == ["email_code"]
        member.refresh_from_db()
        assert member.email == old_email and str(member.mobile) == "+393331234567"
        assert not MemberChange.objects.exists()
        assert member.user.verification_codes.get(purpose=CodePurpose.EMAIL).attempts == 1

    def test_an_old_code_for_an_earlier_pending_address_does_not_verify_the_new_one(self, member, settings):
        settings.CODE_RESEND_SECONDS = 0
        contacts.personal_data_update(member=member, actor=member.user, data=data_of(member, email="primo@esempio.it"))
        first = last_code("primo@esempio.it")
        member.refresh_from_db()
        contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, email="secondo@esempio.it")
        )
        member.refresh_from_db()
        with pytest.raises(ContactCodesError):
            contacts.contacts_verify(member=member, actor=member.user, email_code=first, sms_code="")
        contacts.contacts_verify(
            member=member, actor=member.user, email_code=last_code("secondo@esempio.it"), sms_code=""
        )
        member.refresh_from_db()
        assert member.email == "secondo@esempio.it"

    def test_cancel_keeps_the_verified_contacts(self, member):
        contacts.personal_data_update(member=member, actor=member.user, data=data_of(member, email="x@esempio.it"))
        member.refresh_from_db()
        contacts.contacts_cancel(member=member, actor=member.user)
        member.refresh_from_db()
        assert not member.has_pending_contacts and member.email != "x@esempio.it"
        assert AuditEvent.objects.filter(action="contacts.change_cancelled").exists()

    def test_removing_the_mobile_needs_no_code_and_is_versioned(self, member):
        member, changes = contacts.personal_data_update(
            member=member, actor=member.user, data=data_of(member, mobile="")
        )
        assert changes.mobile_removed and changes.needs_step_up
        member.refresh_from_db()
        assert not member.mobile and member.mobile_verified_at is None
        row = MemberChange.objects.get()
        assert (row.field, row.old_value, row.new_value) == ("mobile", "+393331234567", "")


@pytest.mark.django_db
class TestVersionsForOperators:
    def test_the_admin_lists_versions_read_only(self, client, member):
        contacts.personal_data_update(member=member, actor=member.user, data=data_of(member, iban=NEW_IBAN))
        admin = UserFactory(username="admin1", role=Role.ADMIN, is_staff=True, is_superuser=True)
        totp_enable(admin)  # staff must have a second factor (SecondFactorRequiredMiddleware)
        client.force_login(admin)
        html = client.get("/admin/members/memberchange/").content.decode()
        assert NEW_IBAN in html and member.code in html
        assert client.get("/admin/members/memberchange/add/").status_code == 403
        row = MemberChange.objects.get(field="iban")
        assert client.post(f"/admin/members/memberchange/{row.pk}/delete/", {"post": "yes"}).status_code == 403
        assert MemberChange.objects.filter(pk=row.pk).exists()
