"""Reads of affiliated providers: the map's markers, the list without JavaScript, the booking form's choices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import BaseCache, cache, caches
from django.db.models import QuerySet

from mutua.providers.models import Category, Provider, search_key

# The map shows at most this many markers at once; the total is reported so the member knows to zoom in.
MAX_MARKERS = 500
MARKER_FIELDS = ("pk", "name", "address", "city", "province", "latitude", "longitude", "phone", "direct_form")


@dataclass(frozen=True)
class Bounds:
    """The visible area of the map, in degrees."""

    south: Decimal
    west: Decimal
    north: Decimal
    east: Decimal

    @classmethod
    def parse(cls, text: str) -> Bounds | None:
        """Leaflet's `toBBoxString()` ("west,south,east,north"); None when absent or not a sensible box."""
        parts = text.split(",")
        if len(parts) != 4:
            return None
        try:
            west, south, east, north = (Decimal(p.strip()) for p in parts)
        except InvalidOperation:
            return None
        if not all(v.is_finite() for v in (west, south, east, north)):
            return None
        south, north = max(south, Decimal(-90)), min(north, Decimal(90))
        west, east = max(west, Decimal(-180)), min(east, Decimal(180))
        if south > north or west > east:
            return None
        return cls(south=south, west=west, north=north, east=east)


# The map's answers are the same for every member and change only when the providers do: they are cached (in each
# process, answers_cache) under a version token kept in the shared cache, which any change of a provider or
# category replaces (mutua.providers.signals), so every process stops using its old answers at once.
CACHE_VERSION_KEY = "mutua:providers:version"
CACHE_SECONDS = 600


def providers_cache_version() -> str:
    """The current token of the providers' data; a new one makes every cached answer unreachable at once."""
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        cache.add(CACHE_VERSION_KEY, uuid.uuid4().hex, None)  # unless another process just did
        version = cache.get(CACHE_VERSION_KEY)
    # Replaced again this very moment: a token of this request's own, so nothing it stores is ever reused.
    return str(version) if version is not None else uuid.uuid4().hex


def providers_cache_forget() -> None:
    cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, None)


def answers_cache() -> BaseCache:
    """Where answers about providers are kept: each process's own bounded cache (settings.CACHES["markers"])."""
    return caches["markers"]


def category_slugs() -> frozenset[str]:
    """The slugs a search may filter by (cached with the providers' data)."""
    key = f"mutua:providers:{providers_cache_version()}:slugs"
    slugs = answers_cache().get(key)
    if slugs is None:
        slugs = frozenset(Category.objects.values_list("slug", flat=True))
        answers_cache().set(key, slugs, CACHE_SECONDS)
    return frozenset(slugs)


def categories_all() -> QuerySet[Category]:
    """The category buttons, in alphabetical order."""
    return Category.objects.order_by("name")


def providers_search(
    *, text: str = "", categories: Sequence[str] = (), bounds: Bounds | None = None
) -> QuerySet[Provider]:
    """Providers whose name contains every word of `text` (case and accents ignored), offering any of `categories`
    (slugs; several buttons widen the search), inside `bounds`."""
    qs = Provider.objects.all()
    for word in search_key(text).split():
        qs = qs.filter(name_search__contains=word)
    if categories:
        through = Provider.categories.through.objects.filter(category__slug__in=list(categories))
        qs = qs.filter(pk__in=through.values("provider_id"))
    if bounds is not None:
        qs = qs.filter(
            latitude__gte=bounds.south,
            latitude__lte=bounds.north,
            longitude__gte=bounds.west,
            longitude__lte=bounds.east,
        )
    return qs


def provider_markers(
    *, text: str = "", categories: Sequence[str] = (), bounds: Bounds | None = None, limit: int = MAX_MARKERS
) -> tuple[list[dict[str, Any]], int]:
    """The map's markers (plain rows, at most `limit`, by name) and how many providers match in all: three queries."""
    qs = providers_search(text=text, categories=categories, bounds=bounds)
    total = qs.count()
    rows = list(qs.order_by("name", "pk").values(*MARKER_FIELDS)[:limit])
    names: dict[int, list[str]] = {row["pk"]: [] for row in rows}
    if names:
        links = Provider.categories.through.objects.filter(provider_id__in=list(names)).values_list(
            "provider_id", "category__name"
        )
        for provider_id, name in links:
            names[provider_id].append(name)
    for row in rows:
        row["categories"] = sorted(names[row["pk"]])
    return rows, total


def provider_list(*, text: str = "", categories: Sequence[str] = ()) -> QuerySet[Provider]:
    """The paginated list of "Fornitori convenzionati" without JavaScript, with their categories."""
    return providers_search(text=text, categories=categories).prefetch_related("categories").order_by("name", "pk")


def direct_form_providers(*, province: str = "") -> QuerySet[Provider]:
    """Providers that can be booked in direct form, of one province when given ("Provincia fornitore")."""
    qs = Provider.objects.filter(direct_form=True).order_by("name", "pk")
    if province:
        qs = qs.filter(province=province)
    return qs


def direct_form_provinces() -> list[str]:
    """Provinces with at least one provider in direct form."""
    return list(
        Provider.objects.filter(direct_form=True).order_by("province").values_list("province", flat=True).distinct()
    )
