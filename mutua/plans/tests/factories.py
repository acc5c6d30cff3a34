"""Factories for plans, adesioni and contributions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from mutua.members.tests.factories import MemberFactory
from mutua.plans.models import Contribution, ContributionMethod, Enrollment, Plan


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Piano {n}")
    description = "Visite specialistiche e analisi."
    yearly_fee = Decimal("240.00")
    family_fee = Decimal("60.00")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    member = factory.SubFactory(MemberFactory)
    plan = factory.SubFactory(PlanFactory)
    start_date = dt.date(2016, 1, 1)


class ContributionFactory(factory.django.DjangoModelFactory):
    """A yearly contribution paid in full on 31 January by SEPA direct debit, with no family part."""

    class Meta:
        model = Contribution

    enrollment = factory.SubFactory(EnrollmentFactory)
    member = factory.LazyAttribute(lambda o: o.enrollment.member)
    year = 2025
    period = factory.LazyAttribute(lambda o: f"Anno {o.year}")
    amount_due = Decimal("240.00")
    amount_paid = factory.LazyAttribute(lambda o: o.amount_due)
    family_part = Decimal("0.00")
    paid_on = factory.LazyAttribute(lambda o: dt.date(o.year, 1, 31) if o.amount_paid else None)
    method = ContributionMethod.SDD
