"""Factories for members with valid codici fiscali and IBANs."""

from __future__ import annotations

import datetime as dt

import factory
from codicefiscale import codicefiscale
from schwifty import IBAN

from mutua.accounts.models import Role, User
from mutua.members.models import Beneficiary, Member, PrivacyNotice, Relationship, Sex

FIRST_NAMES = ["Mario", "Giulia", "Luca", "Francesca", "Paolo", "Chiara", "Marco", "Anna"]
LAST_NAMES = ["Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco"]


def make_cf(first: str, last: str, sex: str, birth: dt.date, place: str = "Milano") -> str:
    return codicefiscale.encode(
        lastname=last, firstname=first, gender=sex, birthdate=birth.strftime("%d/%m/%Y"), birthplace=place
    )


def make_iban(n: int) -> str:
    return str(IBAN.generate("IT", bank_code="0306909606", account_code=f"{n:012d}"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"{100000 + n:012d}")
    role = Role.MEMBER
    password = factory.django.Password("Segreta123")
    first_access_completed_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


class MemberFactory(factory.django.DjangoModelFactory):
    """A member who completed first access and verified their contacts (password Segreta123)."""

    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    code = factory.LazyAttribute(lambda o: o.user.username)
    first_name = factory.Sequence(lambda n: FIRST_NAMES[n % len(FIRST_NAMES)])
    last_name = factory.Sequence(lambda n: LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)])
    sex = factory.LazyAttribute(lambda o: Sex.FEMALE if o.first_name.endswith("a") else Sex.MALE)
    # Spread over 1950–2004 (97 and 20 000 are coprime: no repeat within 20 000 members), always an adult.
    birth_date = factory.Sequence(lambda n: dt.date(1950, 1, 1) + dt.timedelta(days=(97 * n) % 20_000))
    fiscal_code = factory.LazyAttribute(lambda o: make_cf(o.first_name, o.last_name, o.sex, o.birth_date))
    birth_place = "Milano"
    residence_street = "Via Roma 1"
    residence_cap = "20121"
    residence_city = "Milano"
    residence_province = "MI"
    email = factory.LazyAttribute(lambda o: f"socio{o.code}@esempio.it")
    email_verified_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    mobile = "+393331234567"
    mobile_verified_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    iban = factory.Sequence(make_iban)
    account_holder = factory.LazyAttribute(lambda o: f"{o.first_name} {o.last_name}")


class NewMemberFactory(MemberFactory):
    """A member imported from the registry who has never signed in."""

    class Meta:
        model = Member
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, password=None, first_access_completed_at=None)
    email_verified_at = None
    mobile_verified_at = None

    @factory.post_generation
    def unusable_password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.user.set_unusable_password()
        obj.user.save(update_fields=["password"])


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    member = factory.SubFactory(MemberFactory)
    relationship = Relationship.CHILD
    first_name = "Sofia"
    last_name = factory.LazyAttribute(lambda o: o.member.last_name)
    birth_date = dt.date(2012, 5, 4)
    fiscal_code = factory.LazyAttribute(lambda o: make_cf(o.first_name, o.last_name, "F", o.birth_date))


class PrivacyNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrivacyNotice
        django_get_or_create = ("version",)

    version = "test"
    title = "Informativa di prova"
    body = "Testo dell'informativa di prova."
    published_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
