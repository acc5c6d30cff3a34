"""Unit rules of the sign-in journey: username padding, passwords, codes, rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from mutua.accounts import codes
from mutua.accounts.backends import FirstAccessBackend
from mutua.accounts.models import CodePurpose, VerificationCode
from mutua.accounts.passwords import GuidePasswordValidator, first_access_password
from mutua.core import ratelimit
from mutua.members.validators import normalize_user_code, validate_fiscal_code


class TestUsername:
    @pytest.mark.parametrize(
        ("typed", "expected"),
        [
            ("3423", "000000003423"),
            (" 3423 ", "000000003423"),
            ("000000003423", "000000003423"),
            ("123456789012", "123456789012"),
        ],
    )
    def test_padded_to_12_digits(self, typed, expected):
        assert normalize_user_code(typed) == expected

    @pytest.mark.parametrize("typed", ["12a4", "3423!", "-3423", "1 234", "", "1234567890123", "٣٤٢٣"])
    def test_anything_but_digits_is_refused(self, typed):
        with pytest.raises(ValidationError):
            normalize_user_code(typed)

    @given(st.integers(min_value=0, max_value=10**12 - 1))
    def test_padding_keeps_the_number(self, n):
        padded = normalize_user_code(str(n))
        assert len(padded) == 12 and int(padded) == n


class TestFirstAccessPassword:
    def test_example_of_the_guide(self):
        assert first_access_password(username="000000003423", fiscal_code="RSSMRA85T10G209D") == "03423G209D"

    def test_omocode_cf_uses_its_letters(self):
        # Omocodia replaces digits with letters: the password takes the CF as registered.
        assert first_access_password(username="000000012345", fiscal_code="RSSMRA85T10H50MG") == "12345H50MG"

    def test_lower_case_cf_in_registry_still_gives_upper_case(self):
        assert first_access_password(username="000000003423", fiscal_code="rssmra85t10g209d") == "03423G209D"

    @pytest.mark.django_db
    def test_backend_accepts_it_only_until_first_access(self, new_member):
        password = first_access_password(username=new_member.code, fiscal_code=new_member.fiscal_code)
        backend = FirstAccessBackend()
        assert backend.authenticate(None, username=new_member.code, password=password) == new_member.user
        assert backend.authenticate(None, username=new_member.code, password=password.lower()) is None
        new_member.user.first_access_completed_at = dt.datetime.now(dt.UTC)
        new_member.user.save()
        assert backend.authenticate(None, username=new_member.code, password=password) is None

    @pytest.mark.django_db
    def test_backend_ignores_operators(self, operator):
        assert FirstAccessBackend().authenticate(None, username=operator.username, password="x") is None


class TestPasswordRule:
    @pytest.mark.parametrize("password", ["Abcdefg1", "Mutua2026ok", "ÀbcdeFgh9"])
    def test_accepted(self, password):
        GuidePasswordValidator().validate(password)

    @pytest.mark.parametrize("password", ["Abcdef1", "abcdefg1", "ABCDEFG1", "Abcdefgh", "", "        "])
    def test_refused_with_the_guide_message(self, password):
        with pytest.raises(ValidationError) as exc:
            GuidePasswordValidator().validate(password)
        assert "almeno 8 caratteri" in exc.value.messages[0]


class TestFiscalCode:
    @pytest.mark.parametrize(
        "cf",
        [
            "RSSMRA85T10H501O",
            "BNCNNA90C45F205N",
            "RSSMRA85T10H50MG",
            "RSSMRAURTMLHRLMJ",
            "rssmra85t10h501o",
            " RSSMRA85T10H501O ",
        ],
    )
    def test_valid(self, cf):
        validate_fiscal_code(cf)

    @pytest.mark.parametrize(
        "cf", ["RSSMRA85T10H501X", "RSSMRA85B31H501A", "RSSMRA85T10H501", "", "<script>alert(1)</script>"]
    )
    def test_invalid(self, cf):
        with pytest.raises(ValidationError):
            validate_fiscal_code(cf)


@pytest.mark.django_db
class TestCodes:
    def test_code_expires(self, member, settings):
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        VerificationCode.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        with pytest.raises(codes.CodeError, match="scaduto"):
            codes.code_verify(user=member.user, purpose=CodePurpose.EMAIL, code="000000")

    def test_only_the_last_code_is_valid(self, member, settings, mailoutbox):
        settings.CODE_RESEND_SECONDS = 0
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        first, last = (m.body.split(": ")[1][:6] for m in mailoutbox)
        if first != last:
            with pytest.raises(codes.CodeError):
                codes.code_verify(user=member.user, purpose=CodePurpose.EMAIL, code=first)
        codes.code_verify(user=member.user, purpose=CodePurpose.EMAIL, code=last)
        with pytest.raises(codes.CodeError):  # single use
            codes.code_verify(user=member.user, purpose=CodePurpose.EMAIL, code=last)

    def test_resend_waits_60_seconds(self, member):
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        with pytest.raises(codes.CodeError) as exc:
            codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        assert 55 <= exc.value.retry_after <= 60
        VerificationCode.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=61))
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)

    def test_attempts_are_counted_and_limited(self, member, mailoutbox):
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        right = mailoutbox[0].body.split(": ")[1][:6]
        wrong = "111111" if right != "111111" else "222222"
        for _ in range(5):
            with pytest.raises(codes.CodeError):
                codes.code_verify(user=member.user, purpose=CodePurpose.EMAIL, code=wrong)
        assert VerificationCode.objects.get().attempts == 5
        with pytest.raises(codes.CodeError, match="Troppi tentativi"):
            codes.code_verify(user=member.user, purpose=CodePurpose.EMAIL, code=right)

    def test_codes_are_stored_hashed(self, member, mailoutbox):
        codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        code = mailoutbox[0].body.split(": ")[1][:6]
        assert code not in VerificationCode.objects.get().code_hash

    def test_a_rolled_back_change_sends_nothing(self, member, settings):
        from django.db import transaction

        from mutua.notifications.models import OutboundMessage

        with pytest.raises(RuntimeError), transaction.atomic():
            codes.code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
            raise RuntimeError
        assert not OutboundMessage.objects.exists()


class TestRateLimit:
    def test_limit_then_says_when_to_retry(self):
        request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
        for _ in range(3):
            assert ratelimit.check(request, "t", ip_limit=3, period=60) is None
        limited = ratelimit.check(request, "t", ip_limit=3, period=60)
        assert limited is not None and 0 < limited.retry_after <= 60
        assert "riprova tra" in limited.message

    def test_per_key_limit_independent_of_ip(self):
        for i in range(2):
            assert (
                ratelimit.check(
                    RequestFactory().post("/", REMOTE_ADDR=f"10.0.0.{i}"), "k", ip_limit=100, key="u", key_limit=2
                )
                is None
            )
        assert ratelimit.check(
            RequestFactory().post("/", REMOTE_ADDR="10.0.0.9"), "k", ip_limit=100, key="u", key_limit=2
        )

    def test_can_be_disabled(self, settings):
        settings.RATE_LIMITS_ENABLED = False
        request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
        assert all(ratelimit.check(request, "d", ip_limit=0) is None for _ in range(5))
