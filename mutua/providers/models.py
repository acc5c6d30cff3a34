from __future__ import annotations

import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from mutua.core.models import TimestampedModel
from mutua.core.provinces import province_choices


def search_key(text: str) -> str:
    """What a name is searched by: lower case, accents and apostrophes' variants folded, spaces collapsed.

    Computed in Python and stored, so the accent-insensitive search is a plain indexed comparison on SQLite and on
    PostgreSQL alike (no `unaccent` extension).
    """
    folded = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


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
    # The provider's partita IVA (11 digits): a receipt whose P.IVA is read as this one is from this provider.
    vat_number = models.CharField(_("partita IVA"), max_length=11, blank=True)
    # search_key(name), kept by save(); bulk writers set it themselves.
    name_search = models.CharField(_("nome per la ricerca"), max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("struttura convenzionata")
        verbose_name_plural = _("strutture convenzionate")
        indexes = [
            models.Index(fields=["province"], name="provider_province_idx"),
            models.Index(fields=["name"], name="provider_name_idx"),
            models.Index(fields=["name_search"], name="provider_name_search_idx"),
            models.Index(fields=["latitude", "longitude"], name="provider_lat_lon_idx"),
            models.Index(fields=["province", "direct_form"], name="provider_province_direct_idx"),
            models.Index(fields=["vat_number"], name="provider_vat_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_search = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "name_search"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
