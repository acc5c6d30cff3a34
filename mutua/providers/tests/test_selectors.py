"""Provider search: partial names, accents and case, combined categories, map bounds, the marker cap."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mutua.providers import selectors
from mutua.providers.models import search_key
from mutua.providers.selectors import Bounds
from mutua.providers.tests.factories import CategoryFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def names(qs) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


@pytest.fixture
def directory():
    analisi = CategoryFactory(slug="analisi", name="Analisi")
    fisio = CategoryFactory(slug="fisioterapia", name="Fisioterapia")
    denti = CategoryFactory(slug="odontoiatria", name="Odontoiatria")
    ProviderFactory(name="Poliambulatorio Città Studi", categories=[analisi, fisio])
    ProviderFactory(name="Clinica Sant’Agostino", categories=[fisio])
    ProviderFactory(name="Studio Dentistico Dott.ssa Ricci", categories=[denti])
    ProviderFactory(
        name="Laboratorio Analisi Nicolò",
        city="Roma",
        province="RM",
        latitude=Decimal("41.902782"),
        longitude=Decimal("12.496366"),
        categories=[analisi],
    )
    return {"analisi": analisi, "fisio": fisio, "denti": denti}


def test_search_key_folds_case_accents_and_spaces():
    assert search_key("  CITTÀ   Studi ") == "citta studi"
    assert search_key("Nicolò Sant’Agostino") == "nicolo sant'agostino"


def test_a_part_of_the_name_finds_the_provider(directory):
    assert names(selectors.providers_search(text="ambulat")) == ["Poliambulatorio Città Studi"]


def test_accents_and_case_are_ignored_both_ways(directory):
    assert names(selectors.providers_search(text="citta")) == ["Poliambulatorio Città Studi"]
    assert names(selectors.providers_search(text="NICOLO")) == ["Laboratorio Analisi Nicolò"]
    assert names(selectors.providers_search(text="nicolò")) == ["Laboratorio Analisi Nicolò"]


def test_every_word_must_appear_in_any_order(directory):
    assert names(selectors.providers_search(text="studi poliamb")) == ["Poliambulatorio Città Studi"]
    assert names(selectors.providers_search(text="citta ricci")) == []


def test_apostrophes_match_whichever_the_member_types(directory):
    assert names(selectors.providers_search(text="sant'agostino")) == ["Clinica Sant’Agostino"]


def test_percent_and_underscore_are_plain_characters(directory):
    assert names(selectors.providers_search(text="%")) == []
    assert names(selectors.providers_search(text="_")) == []


def test_categories_combined_widen_the_search(directory):
    assert names(selectors.providers_search(categories=["odontoiatria"])) == ["Studio Dentistico Dott.ssa Ricci"]
    assert names(selectors.providers_search(categories=["analisi", "odontoiatria"])) == [
        "Laboratorio Analisi Nicolò",
        "Poliambulatorio Città Studi",
        "Studio Dentistico Dott.ssa Ricci",
    ]


def test_a_provider_in_two_chosen_categories_counts_once(directory):
    rows, total = selectors.provider_markers(categories=["analisi", "fisioterapia"])
    assert total == 3 and len(rows) == 3


def test_text_and_categories_together(directory):
    assert names(selectors.providers_search(text="analisi", categories=["analisi"])) == ["Laboratorio Analisi Nicolò"]


def test_bounds_keep_only_the_visible_area(directory):
    milan = Bounds.parse("9.0,45.3,9.4,45.6")
    assert milan is not None
    assert "Laboratorio Analisi Nicolò" not in names(selectors.providers_search(bounds=milan))
    assert len(names(selectors.providers_search(bounds=milan))) == 3
    rome = Bounds.parse("12.3,41.8,12.6,42.0")
    assert names(selectors.providers_search(bounds=rome, text="lab")) == ["Laboratorio Analisi Nicolò"]


@pytest.mark.parametrize("text", ["", "1,2,3", "a,b,c,d", "10,50,5,40", "nan,1,2,3", "inf,1,2,3"])
def test_nonsense_bounds_are_ignored(text):
    assert Bounds.parse(text) is None


def test_markers_are_plain_rows_with_categories_and_the_total(directory):
    rows, total = selectors.provider_markers(text="poliambulatorio")
    assert total == 1
    [row] = rows
    assert row["name"] == "Poliambulatorio Città Studi"
    assert row["categories"] == ["Analisi", "Fisioterapia"]
    assert row["direct_form"] is True and row["province"] == "MI"


def test_markers_are_capped_but_the_total_is_not(directory):
    rows, total = selectors.provider_markers(limit=2)
    assert len(rows) == 2 and total == 4


def test_markers_take_three_queries_whatever_the_data(directory, django_assert_num_queries):
    analisi = directory["analisi"]
    for n in range(30):
        ProviderFactory(name=f"Extra {n}", categories=[analisi])
    with django_assert_num_queries(3):
        rows, total = selectors.provider_markers(categories=["analisi"])
    assert total == 32


def test_direct_form_providers_of_a_province(directory):
    ProviderFactory(name="Non convenzionata in diretta", direct_form=False)
    assert "Non convenzionata in diretta" not in names(selectors.direct_form_providers(province="MI"))
    assert names(selectors.direct_form_providers(province="RM")) == ["Laboratorio Analisi Nicolò"]
    assert selectors.direct_form_provinces() == ["MI", "RM"]


def test_renaming_a_provider_updates_its_search_name(directory):
    provider = ProviderFactory(name="Vecchio Nome")
    provider.name = "Nuovo Àmbulatorio"
    provider.save(update_fields=["name"])
    assert names(selectors.providers_search(text="ambulatorio nuovo")) == ["Nuovo Àmbulatorio"]
