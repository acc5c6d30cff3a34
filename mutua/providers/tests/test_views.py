"""Fornitori convenzionati in the portal: the page without JavaScript, the map's JSON, access."""

from __future__ import annotations

import gzip
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.providers.selectors import MAX_MARKERS
from mutua.providers.tests.factories import CategoryFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    analisi = CategoryFactory(slug="analisi", name="Analisi")
    denti = CategoryFactory(slug="odontoiatria", name="Odontoiatria")
    ProviderFactory(name="Poliambulatorio Città Studi", categories=[analisi])
    ProviderFactory(name="Studio Dentistico Ricci", categories=[denti], direct_form=False)
    return analisi, denti


def test_the_page_lists_results_with_count_buttons_and_the_map_settings(client, member, data, settings):
    settings.MUTUA_MAP_TILE_URL = ""
    client.force_login(member.user)
    page = client.get(reverse("portal:providers")).content.decode()
    assert "2 risultati" in page and "Poliambulatorio Città Studi" in page
    assert 'name="categoria" value="analisi"' in page and "Azzera filtri" in page
    assert 'data-tile-url=""' in page and "vendor/leaflet/leaflet.js" in page


def test_search_without_javascript_by_name_accents_and_categories(client, member, data):
    client.force_login(member.user)
    page = client.get(reverse("portal:providers"), {"q": "CITTA"}).content.decode()
    assert "1 risultato" in page and "Poliambulatorio Città Studi" in page and "Ricci" not in page
    page = client.get(reverse("portal:providers"), {"categoria": ["odontoiatria", "analisi"]}).content.decode()
    assert "2 risultati" in page
    assert 'value="odontoiatria" autocomplete="off" checked' in page
    page = client.get(reverse("portal:providers"), {"categoria": ["odontoiatria", "ignota"]}).content.decode()
    assert "1 risultato" in page and "Forma diretta non disponibile" in page
    # "Azzera filtri" above the field keeps the categories, above the buttons keeps the text.
    page = client.get(reverse("portal:providers"), {"q": "studio", "categoria": "odontoiatria"}).content.decode()
    assert 'href="?categoria=odontoiatria" data-reset="text"' in page
    assert 'href="?q=studio" data-reset="categories"' in page


def test_the_list_is_paginated_keeping_the_filters_in_constant_queries(client, member, data):
    analisi, _ = data
    client.force_login(member.user)
    client.get(reverse("portal:providers"))
    cache.clear()  # both measured with nothing cached
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:providers"), {"categoria": "analisi"})
    for n in range(30):
        ProviderFactory(name=f"Laboratorio {n:02d}", categories=[analisi])
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("portal:providers"), {"categoria": "analisi"}).content.decode()
    assert page.count('data-testid="struttura"') == 20 and "Pagina 1 di 2" in page
    assert "?categoria=analisi&amp;pagina=2" in page
    assert len(many) == len(few)
    page = client.get(reverse("portal:providers"), {"categoria": "analisi", "pagina": "2"}).content.decode()
    assert page.count('data-testid="struttura"') == 11


def test_hostile_search_text_is_escaped(client, member, data):
    client.force_login(member.user)
    page = client.get(reverse("portal:providers"), {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in page and "0 risultati" in page


def test_the_markers_json_filters_by_bounds_text_and_categories(client, member, data):
    ProviderFactory(name="Laboratorio di Roma", province="RM", city="Roma", latitude="41.9", longitude="12.5")
    client.force_login(member.user)
    url = reverse("portal:provider_markers")
    everything = client.get(url).json()
    assert everything["total"] == 3 and everything["limit"] == MAX_MARKERS
    milan = client.get(url, {"bbox": "9.0,45.3,9.4,45.6"}).json()
    assert sorted(m["name"] for m in milan["markers"]) == ["Poliambulatorio Città Studi", "Studio Dentistico Ricci"]
    [ricci] = client.get(url, {"q": "ricci", "categoria": "odontoiatria"}).json()["markers"]
    assert ricci["categories"] == ["Odontoiatria"] and ricci["direct"] is False and ricci["phone"]
    assert ricci["lat"] == pytest.approx(45.464211)
    assert client.get(url, {"bbox": "nonsense"}).json()["total"] == 3


def test_the_json_takes_constant_queries(client, member, data, django_assert_max_num_queries):
    analisi, _ = data
    client.force_login(member.user)
    client.get(reverse("portal:provider_markers"))
    cache.clear()  # both measured with nothing cached
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:provider_markers"))
    for n in range(40):
        ProviderFactory(name=f"Extra {n}", categories=[analisi])
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("portal:provider_markers")).json()["total"] == 42
    assert len(many) == len(few)


def test_the_same_search_is_answered_from_the_cache_until_a_provider_changes(client, member, data):
    analisi, _ = data
    client.force_login(member.user)
    url = reverse("portal:provider_markers")
    first = client.get(url, {"categoria": "analisi"}).json()
    with CaptureQueriesContext(connection) as again:
        assert client.get(url, {"categoria": "analisi"}).json() == first
    assert not [q for q in again.captured_queries if "providers_" in q["sql"]]  # nothing asked of the providers
    # A new provider, a renamed one, a category taken away: the next answer shows each at once.
    new = ProviderFactory(name="Laboratorio Nuovo", categories=[analisi])
    after = client.get(url, {"categoria": "analisi"}).json()
    assert after["total"] == first["total"] + 1 and "Laboratorio Nuovo" in [m["name"] for m in after["markers"]]
    new.name = "Laboratorio Rinnovato"
    new.save()
    assert "Laboratorio Rinnovato" in [m["name"] for m in client.get(url, {"categoria": "analisi"}).json()["markers"]]
    new.categories.remove(analisi)
    assert client.get(url, {"categoria": "analisi"}).json()["total"] == first["total"]


def test_anonymous_visitors_are_sent_to_login(client, data):
    for url in (reverse("portal:providers"), reverse("portal:provider_markers")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_leaflet_is_served_from_the_xstatic_packages_and_nothing_else_of_them():
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet/images/marker-icon.png",
        "vendor/leaflet-markercluster/leaflet.markercluster-src.js",
        "vendor/leaflet-markercluster/MarkerCluster.Default.css",
    ):
        assert finders.find(path), path
    # Its source map is not shipped: collectstatic with the manifest storage would fail on it.
    assert not finders.find("vendor/leaflet-markercluster/leaflet.markercluster.js")


def test_the_markers_come_gzipped_to_a_browser_and_plain_to_anyone_else(client, member, data):
    client.force_login(member.user)
    url = reverse("portal:provider_markers")
    plain = client.get(url)
    assert "Content-Encoding" not in plain and plain["Vary"].count("Accept-Encoding") == 1
    for _ in range(2):  # the first answer is computed, the second comes from the cache: both compressed
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
        assert json.loads(gzip.decompress(packed.content)) == plain.json()
        assert len(packed.content) < len(plain.content)
    assert "Content-Encoding" not in client.get(url, headers={"Accept-Encoding": "identity"})
