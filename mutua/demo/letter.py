"""The demo's member without contacts: first access with an activation letter.

Added after the seeded data, like the regional operator, so a demo loaded before it existed gets it too and the
seed's draws are unchanged. Each run makes sure the letter still works (a letter lasts ACTIVATION_CODE_DAYS).
"""

from __future__ import annotations

import datetime as dt

from codicefiscale import codicefiscale
from django.contrib.auth.hashers import make_password

from mutua.accounts.activation import activation_code_issue, activation_code_live
from mutua.accounts.models import Role, User
from mutua.demo.catalogue import (
    LETTER_MEMBER_ACTIVATION_CODE,
    LETTER_MEMBER_CODE,
    NEW_MEMBER_CODE,
    SUPERVISOR_USERNAME,
)
from mutua.members.models import Member, MemberKind, Sex
from mutua.plans.models import Enrollment, Plan


def letter_member_ensure() -> Member:
    """Paolo Bianchi, never signed in, in the registry without e-mail or mobile, with a letter that works."""
    member = Member.objects.select_related("user").filter(code=LETTER_MEMBER_CODE).first()
    if member is None:
        like = Member.objects.select_related("regional_office").get(code=NEW_MEMBER_CODE)
        user = User.objects.create(
            username=LETTER_MEMBER_CODE,
            role=Role.MEMBER,
            first_name="Paolo",
            last_name="Bianchi",
            password=make_password(None),
        )
        fiscal_code = codicefiscale.encode(
            lastname="Bianchi", firstname="Paolo", gender="M", birthdate="05/10/1961", birthplace="Torino"
        )
        member = Member.objects.create(
            user=user,
            code=LETTER_MEMBER_CODE,
            kind=MemberKind.ORDINARY,
            fiscal_code=fiscal_code,
            first_name="Paolo",
            last_name="Bianchi",
            sex=Sex.MALE,
            birth_date=dt.date(1961, 10, 5),
            birth_place="Torino",
            residence_street="Via Po 18",
            residence_cap="10123",
            residence_city="Torino",
            residence_province="TO",
            regional_office=like.regional_office,
        )
        Enrollment.objects.create(member=member, plan=Plan.objects.get(code="BASE"), start_date=dt.date(2021, 1, 1))
    assert member.user is not None
    if member.user.first_access_completed_at is None and activation_code_live(member=member) is None:
        issuer = User.objects.get(username=SUPERVISOR_USERNAME)
        activation_code_issue(member=member, actor=issuer, request=None, code=LETTER_MEMBER_ACTIVATION_CODE)
    return member
