"""The demo's households written: users, members, family members, enrollments and contributions; the named
members who signed in go through first access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from mutua.accounts.first_access import FirstAccessProof, first_access_complete
from mutua.accounts.models import FirstAccessPath, Role, User
from mutua.demo.catalogue import FAMILY_MEMBER_PASSWORD, MEMBER_PASSWORD
from mutua.demo.drawing import _BuilderBase, _money
from mutua.demo.specs import _Household
from mutua.members.models import Beneficiary, Member, PrivacyNotice
from mutua.plans.models import Contribution, ContributionMethod, Enrollment


class _Membership(_BuilderBase):
    """Writes the drawn households in bulk, then completes the named members' first access."""

    def _write_households(self, households: list[_Household]) -> None:
        users = [
            User(
                username=h.code,
                role=Role.MEMBER,
                first_name=h.person.first_name,
                last_name=h.person.last_name,
                password=make_password(None),
            )
            for h in households
        ]
        User.objects.bulk_create(users)
        for household, user in zip(households, users, strict=True):
            household.user = user
            household.member.user = user
        Member.objects.bulk_create([h.member for h in households])

        for household in households:
            household.beneficiaries = [
                Beneficiary(
                    member=household.member,
                    relationship=relationship,
                    fiscal_code=person.fiscal_code,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    birth_date=person.birth_date,
                )
                for relationship, person in household.family
            ]
        Beneficiary.objects.bulk_create([b for h in households for b in h.beneficiaries])

        enrollments = [
            Enrollment(member=h.member, plan=self.plans[h.plan.code], start_date=h.start_date) for h in households
        ]
        Enrollment.objects.bulk_create(enrollments)
        through = Enrollment.beneficiaries.through
        through.objects.bulk_create(
            [
                through(enrollment_id=enrollment.pk, beneficiary_id=beneficiary.pk)
                for enrollment, household in zip(enrollments, households, strict=True)
                for beneficiary in household.beneficiaries
            ]
        )
        Contribution.objects.bulk_create(
            [
                contribution
                for enrollment, household in zip(enrollments, households, strict=True)
                for contribution in self._contributions(household, enrollment)
            ]
        )

    def _contributions(self, household: _Household, enrollment: Enrollment) -> list[Contribution]:
        """One row per competence year since joining, within the last three years; some are unpaid or partial."""
        rng = self.rng
        method = rng.choices(
            (ContributionMethod.SDD, ContributionMethod.TRANSFER, ContributionMethod.PAYROLL, ContributionMethod.CARD),
            weights=(45, 30, 20, 5),
        )[0]
        if household.key:  # the named accounts pay by direct debit: their certificates show a detraibile amount
            method = ContributionMethod.SDD
        family_part = _money(household.plan.family_fee * len(household.family))
        due = household.plan.yearly_fee + family_part
        rows = []
        for year in range(max(self.first_year, household.start_date.year), self.today.year + 1):
            if method in (ContributionMethod.SDD, ContributionMethod.PAYROLL):
                paid_on = dt.date(year, 1, 31)
            else:
                paid_on = dt.date(year, rng.randint(1, 3), rng.randint(1, 28))
            paid_on = min(max(paid_on, household.start_date + dt.timedelta(days=15)), self.yesterday)
            paid: Decimal = due
            if household.standing == "unpaid" and year == self.today.year:
                paid = Decimal("0.00")
            elif household.standing == "partial" and year == self.today.year:
                paid = _money(due / 2)
            elif household.standing == "late_partial" and year == self.today.year - 1:
                paid = _money(due * Decimal("0.6"))
            rows.append(
                Contribution(
                    member=household.member,
                    enrollment=enrollment,
                    year=year,
                    period=f"Anno {year}",
                    amount_due=due,
                    amount_paid=paid,
                    family_part=family_part,
                    paid_on=paid_on if paid else None,
                    method=method,
                )
            )
        return rows

    def _complete_first_access(self, households: list[_Household]) -> None:
        """The named members who signed in went through the real first-access journey, then verified contacts."""
        notice = PrivacyNotice.objects.latest()
        passwords = {"member": MEMBER_PASSWORD, "family_member": FAMILY_MEMBER_PASSWORD}
        for household in households:
            assert household.user is not None
            first_access_complete(
                user=household.user,
                password=passwords[household.key],
                email=household.member.email,
                mobile=str(household.member.mobile),
                notice=notice,
                proof=FirstAccessProof(FirstAccessPath.CONTACT),
                request=None,
            )
        now = timezone.now()
        Member.objects.filter(pk__in=[h.member.pk for h in households]).update(
            email_verified_at=now, mobile_verified_at=now
        )
