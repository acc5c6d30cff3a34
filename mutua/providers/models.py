from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mutua.core.models import TimestampedModel
from mutua.core.provinces import province_choices


class Category(models.Model):
    """A kind of service a provider offers (alta diagnostica, analisi, …): the buttons of the provider search."""

    slug = models.SlugField(_("codice"), max_length=40, unique=True)
    name = models.CharField(_("nome"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("categoria")
        verbose_name_plural = _("categorie")

    def __str__(self) -> str:
        return self.name


class Provider(TimestampedModel):
    """An affiliated provider (struttura convenzionata); `direct_form` when it can be booked in direct form."""

    name = models.CharField(_("nome"), max_length=200)
    address = models.CharField(_("indirizzo"), max_length=200)
    city = models.CharField(_("comune"), max_length=100)
    province = models.CharField(_("provincia"), max_length=2, choices=province_choices())
    latitude = models.DecimalField(_("latitudine"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitudine"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("telefono"), max_length=30, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="providers", verbose_name=_("categorie"))
    direct_form = models.BooleanField(_("forma diretta"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("struttura convenzionata")
        verbose_name_plural = _("strutture convenzionate")
        indexes = [
            models.Index(fields=["province"], name="provider_province_idx"),
            models.Index(fields=["name"], name="provider_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"
