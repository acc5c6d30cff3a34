"""Member pages of "Fornitori convenzionati": the map (with JavaScript), the same search as a list (without)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from mutua.providers import selectors
from mutua.providers.models import search_key
from mutua.providers.selectors import MAX_MARKERS, Bounds

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100


def _filters(request: HttpRequest) -> tuple[str, list[str]]:
    text = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    known = selectors.category_slugs()
    chosen = [slug for slug in dict.fromkeys(request.GET.getlist("categoria")) if slug in known]
    return text, chosen


@require_GET
def provider_search(request: HttpRequest) -> HttpResponse:
    """The map, the "Cerca" field, the category buttons and the results, as a paginated list that needs no script."""
    text, chosen = _filters(request)
    page = Paginator(selectors.provider_list(text=text, categories=chosen), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    query = urlencode([("q", text)] * bool(text) + [("categoria", slug) for slug in chosen])
    return render(
        request,
        "portal/providers/search.html",
        {
            "page": page,
            "text": text,
            "chosen": chosen,
            "categories": list(selectors.categories_all()),
            "query": query,
            "reset_text": urlencode([("categoria", slug) for slug in chosen]),
            "reset_categories": urlencode([("q", text)] * bool(text)),
            "tile_url": settings.MUTUA_MAP_TILE_URL,
            "attribution": settings.MUTUA_MAP_ATTRIBUTION,
            "map_texts": _map_texts(),
        },
    )


def _map_texts() -> dict[str, str]:
    """The words map.js writes into the page, translated here."""
    return {
        "one": pgettext("mappa", "%(n)s risultato"),
        "many": pgettext("mappa", "%(n)s risultati"),
        "truncated": _("Sulla mappa le prime %(n)s: ingrandisci la mappa o affina la ricerca per vederle tutte."),
        "none": _("Nessuna struttura trovata."),
        "phone": _("Telefono"),
        "categories": _("Categorie"),
        "direct": _("Forma diretta disponibile"),
        "indirect": _("Forma diretta non disponibile"),
        "show": _("Mostra sulla mappa"),
        "zoomIn": _("Ingrandisci"),
        "zoomOut": _("Riduci"),
        "error": _("Non è stato possibile caricare le strutture: riprova tra poco."),
        "list": _("Lista dei risultati"),
    }


@require_GET
def provider_markers(request: HttpRequest) -> HttpResponse:
    """The map's markers for the visible area ("bbox" = west,south,east,north), the text and the categories."""
    text, chosen = _filters(request)
    bounds = Bounds.parse(request.GET.get("bbox", ""))
    # The same question gets the same answer for every member until the providers change: cached (selectors).
    question = repr((search_key(text), sorted(chosen), bounds))
    key = f"mutua:markers:{selectors.providers_cache_version()}:{hashlib.sha256(question.encode()).hexdigest()}"
    answer = selectors.answers_cache().get(key)
    if answer is None:
        content = _markers_json(text=text, chosen=chosen, bounds=bounds)
        # Compressed once with the answer, not on every response: hundreds of markers are 100 KB of JSON, a fifth
        # of that gzipped, for members on a phone. A proxy in front passes an encoded answer through as it is.
        answer = (content, compress_string(content))
        selectors.answers_cache().set(key, answer, selectors.CACHE_SECONDS)
    content, compressed = answer
    if _accepts_gzip(request):
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(content, content_type="application/json")
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Cache-Control"] = "private, max-age=60"
    return response


def _accepts_gzip(request: HttpRequest) -> bool:
    """Whether the client takes gzip (as every browser says), read as Django's GZipMiddleware reads it."""
    return bool(re.search(r"\bgzip\b", request.META.get("HTTP_ACCEPT_ENCODING", "")))


def _markers_json(*, text: str, chosen: list[str], bounds: Bounds | None) -> bytes:
    rows, total = selectors.provider_markers(text=text, categories=chosen, bounds=bounds)
    markers = [
        {
            "id": row["pk"],
            "name": row["name"],
            "address": row["address"],
            "city": row["city"],
            "province": row["province"],
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "phone": row["phone"],
            "direct": row["direct_form"],
            "categories": row["categories"],
        }
        for row in rows
    ]
    return JsonResponse({"total": total, "limit": MAX_MARKERS, "markers": markers}).content
