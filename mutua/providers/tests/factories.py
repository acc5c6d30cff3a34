"""Factories for affiliated providers and their categories."""

from __future__ import annotations

from decimal import Decimal

import factory

from mutua.providers.models import Category, Provider


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"categoria-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class ProviderFactory(factory.django.DjangoModelFactory):
    """A provider in central Milan unless told otherwise; `categories` takes a list of Category."""

    class Meta:
        model = Provider
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Struttura {n}")
    address = factory.Sequence(lambda n: f"Via Roma {n + 1}")
    city = "Milano"
    province = "MI"
    latitude = Decimal("45.464211")
    longitude = Decimal("9.191383")
    phone = "02 1234567"
    direct_form = True

    @factory.post_generation
    def categories(self, create: bool, extracted: list[Category] | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.set(extracted)
