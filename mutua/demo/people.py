"""The demo's people: the named members and ordinary ones drawn at random, each with a codice fiscale, contacts,
an IBAN, a plan and perhaps a family."""

from __future__ import annotations

import datetime as dt

from codicefiscale import codicefiscale
from schwifty import IBAN

from mutua.core.provinces import Province
from mutua.demo import names
from mutua.demo.catalogue import FAMILY_MEMBER_CODE, MEMBER_CODE, NEW_MEMBER_CODE, PLANS
from mutua.demo.drawing import _BuilderBase, _slug
from mutua.demo.specs import _Household, _Person
from mutua.members.models import Member, MemberKind, PostalAddress, Relationship, Sex


class _People(_BuilderBase):
    """Draws the households: who they are, where they live, their plan and family; nothing is written here."""

    def _person(self, *, first: str, last: str, sex: str, birth: dt.date, place: str) -> _Person:
        """A person with the codice fiscale of their data; a clash moves the birth date by a day."""
        while True:
            cf = codicefiscale.encode(
                lastname=last,
                firstname=first,
                gender="F" if sex == Sex.FEMALE else "M",
                birthdate=birth.strftime("%d/%m/%Y"),
                birthplace=place,
            )
            if cf not in self.used_fiscal_codes:
                self.used_fiscal_codes.add(cf)
                return _Person(first, last, sex, birth, place, cf)
            birth += dt.timedelta(days=1)

    def _code(self, kind: str) -> str:
        while True:
            if kind == MemberKind.ORDINARY:
                code = f"{self.rng.randint(10000, 999999):012d}"
            else:
                code = f"{self.rng.randint(700000000000, 799999999999)}"
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _email(self, person: _Person) -> str:
        local = f"{_slug(person.first_name)}.{_slug(person.last_name)}"
        seen = self.used_emails.get(local, 0) + 1
        self.used_emails[local] = seen
        return f"{local}{seen if seen > 1 else ''}@esempio.it"

    def _mobile(self) -> str:
        return f"+39{self.rng.choice(names.MOBILE_PREFIXES)}{self.rng.randint(0, 9999999):07d}"

    def _iban(self) -> str:
        account = f"{self.rng.randint(10**9, 10**12 - 1):012d}"
        return str(IBAN.generate("IT", bank_code=self.rng.choice(names.BANK_CODES), account_code=account))

    def _member_row(
        self, *, code: str, kind: str, person: _Person, province: Province, with_mobile: bool, with_iban: bool
    ) -> Member:
        rng = self.rng
        member = Member(
            code=code,
            kind=kind,
            fiscal_code=person.fiscal_code,
            first_name=person.first_name,
            last_name=person.last_name,
            sex=person.sex,
            birth_date=person.birth_date,
            birth_place=person.birth_place,
            residence_street=f"{rng.choice(names.STREETS)} {rng.randint(1, 220)}",
            residence_cap=names.CAPITAL_CAP[province.code],
            residence_city=province.capital,
            residence_province=province.code,
            email=self._email(person),
            mobile=self._mobile() if with_mobile else "",
            regional_office=self.offices[province.code],
        )
        if with_iban:
            member.iban = self._iban()
            member.account_holder = person.full_name
        return member

    def _named_households(self) -> list[_Household]:
        turin, milan, naples = self.provinces["TO"], self.provinces["MI"], self.provinces["NA"]
        anna = self._person(first="Anna", last="Verdi", sex=Sex.FEMALE, birth=dt.date(1978, 4, 12), place="Torino")
        mario = self._person(first="Mario", last="Rossi", sex=Sex.MALE, birth=dt.date(1975, 6, 21), place="Milano")
        giuseppe = self._person(
            first="Giuseppe", last="Esposito", sex=Sex.MALE, birth=dt.date(1980, 9, 3), place="Napoli"
        )
        family: list[tuple[str, _Person]] = [
            (
                Relationship.SPOUSE,
                self._person(first="Maria", last="Russo", sex=Sex.FEMALE, birth=dt.date(1982, 2, 17), place="Napoli"),
            ),
            (
                Relationship.CHILD,
                self._person(first="Luca", last="Esposito", sex=Sex.MALE, birth=dt.date(2012, 5, 4), place="Napoli"),
            ),
            (
                Relationship.CHILD,
                self._person(
                    first="Giulia", last="Esposito", sex=Sex.FEMALE, birth=dt.date(2016, 11, 20), place="Napoli"
                ),
            ),
        ]
        plans = {terms.code: terms for terms in PLANS}
        named = [
            ("new_member", NEW_MEMBER_CODE, anna, turin, plans["BASE"], dt.date(2019, 3, 1), [], False),
            ("member", MEMBER_CODE, mario, milan, plans["PLUS"], dt.date(2016, 1, 1), [], True),
            (
                "family_member",
                FAMILY_MEMBER_CODE,
                giuseppe,
                naples,
                plans["FAMIGLIA"],
                dt.date(2013, 1, 1),
                family,
                True,
            ),
        ]
        return [
            _Household(
                key=key,
                code=code,
                person=person,
                province=province,
                plan=plan,
                start_date=start,
                family=members_family,
                standing="regular",
                signed_in=signed_in,
                member=self._member_row(
                    code=code,
                    kind=MemberKind.ORDINARY,
                    person=person,
                    province=province,
                    with_mobile=True,
                    with_iban=True,
                ),
            )
            for key, code, person, province, plan, start, members_family, signed_in in named
        ]

    def _household(self) -> _Household:
        rng = self.rng
        codes = list(self.provinces)
        province = self.provinces[rng.choices(codes, weights=[1 + names.PROVINCE_WEIGHTS.get(c, 0) for c in codes])[0]]
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        first = rng.choice(names.MALE_NAMES if sex == Sex.MALE else names.FEMALE_NAMES)
        last = rng.choice(names.SURNAMES)
        birth = self._random_date(dt.date(1950, 1, 1), dt.date(2002, 12, 31))
        birth_place = province.capital if rng.random() < 0.75 else rng.choice(list(self.provinces.values())).capital
        person = self._person(first=first, last=last, sex=sex, birth=birth, place=birth_place)
        family = self._family(person, province)
        kind = MemberKind.COLLECTIVE if rng.random() < 0.15 else MemberKind.ORDINARY
        member = self._member_row(
            code=self._code(kind),
            kind=kind,
            person=person,
            province=province,
            with_mobile=rng.random() < 0.9,
            with_iban=rng.random() < 0.95,
        )
        if rng.random() < 0.08:
            elsewhere = rng.choice(list(self.provinces.values()))
            member.domicile_street = f"{rng.choice(names.STREETS)} {rng.randint(1, 220)}"
            member.domicile_cap = names.CAPITAL_CAP[elsewhere.code]
            member.domicile_city = elsewhere.capital
            member.domicile_province = elsewhere.code
            if rng.random() < 0.5:
                member.postal_address = PostalAddress.DOMICILE
        plans = {terms.code: terms for terms in PLANS}
        if family:
            plan = plans["FAMIGLIA"] if rng.random() < 0.75 else plans["PLUS"]
        else:
            plan = plans["BASE"] if rng.random() < 0.65 else plans["PLUS"]
        earliest = max(dt.date(2008, 1, 1), person.birth_date + dt.timedelta(days=18 * 366))
        start = self._random_date(earliest, self.today - dt.timedelta(days=300)).replace(day=1)
        standing = rng.choices(("regular", "unpaid", "partial", "late_partial"), weights=(84, 8, 5, 3))[0]
        return _Household(
            key="",
            code=member.code,
            person=person,
            province=province,
            plan=plan,
            start_date=start,
            family=family,
            standing=standing,
            signed_in=False,
            member=member,
        )

    def _family(self, member: _Person, province: Province) -> list[tuple[str, _Person]]:
        rng = self.rng
        if member.birth_date.year > 1998 or rng.random() > 0.6:
            return []
        spouse_sex = Sex.FEMALE if member.sex == Sex.MALE else Sex.MALE
        spouse_birth = min(member.birth_date + dt.timedelta(days=rng.randint(-6 * 365, 6 * 365)), dt.date(2002, 12, 31))
        spouse = self._person(
            first=rng.choice(names.FEMALE_NAMES if spouse_sex == Sex.FEMALE else names.MALE_NAMES),
            last=rng.choice(names.SURNAMES),
            sex=spouse_sex,
            birth=spouse_birth,
            place=province.capital if rng.random() < 0.7 else rng.choice(list(self.provinces.values())).capital,
        )
        relationship = Relationship.SPOUSE if rng.random() < 0.8 else Relationship.PARTNER
        family = [(str(relationship), spouse)]
        mother, father = (member, spouse) if member.sex == Sex.FEMALE else (spouse, member)
        for _ in range(rng.choices((0, 1, 2, 3), weights=(25, 35, 30, 10))[0]):
            birth = mother.birth_date + dt.timedelta(days=rng.randint(26 * 365, 40 * 365))
            age_days = (self.today - birth).days
            if age_days < 60 or age_days > 26 * 365:
                continue  # not born yet, or no longer a dependant
            sex = rng.choice((Sex.MALE, Sex.FEMALE))
            child = self._person(
                first=rng.choice(names.MALE_NAMES if sex == Sex.MALE else names.FEMALE_NAMES),
                last=father.last_name,
                sex=sex,
                birth=birth,
                place=province.capital,
            )
            family.append((str(Relationship.CHILD), child))
        return family
