"""The portal's template filters give what Django's own would, for less work in the rows of lists."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.urls import resolve
from django.utils import translation

from mutua.claims.models import Claim, ClaimKind, ClaimStatus
from mutua.core.templatetags.mutua import MENU_ENTRIES, MENU_GROUPS, menu_entry

ROME = ZoneInfo("Europe/Rome")


def render(source: str, **context: object) -> str:
    return engines["django"].from_string("{% load mutua %}" + source).render(context)


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC),  # already 1 January in Rome
        dt.datetime(2026, 6, 15, 8, 5, tzinfo=ROME),
        dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),  # the night the clocks go forward
    ],
)
def test_gma_and_gma_hm_show_a_date_and_time_as_the_date_filter_does_in_rome(when):
    assert render("{{ when|gma }}", when=when) == render('{{ when|date:"d/m/Y" }}', when=when)
    assert render("{{ when|gma_hm }}", when=when) == render('{{ when|date:"d/m/Y H:i" }}', when=when)
    assert render("{{ when|gma }}|{{ when|gma_hm }}", when=None) == "|"


@pytest.mark.parametrize("language", ["it", "en"])
def test_choice_label_and_status_badge_say_what_get_display_says(language):
    with translation.override(language):
        for status in ClaimStatus.values:
            claim = Claim(status=status, kind=ClaimKind.STUDY_SUBSIDY)
            assert render('{{ claim|choice_label:"status" }}', claim=claim) == claim.get_status_display()
            assert f">{claim.get_status_display()}</span>" in render("{{ claim|status_badge }}", claim=claim)
            assert render('{{ claim|choice_label:"kind" }}', claim=claim) == claim.get_kind_display()


def test_menu_entry_names_every_entry_and_group():
    request = type("Request", (), {"resolver_match": resolve("/pratiche/")})()
    here = menu_entry({"request": request})
    assert here["claims"] is True and here["claims_group"] is True and here["entry"] == "claims"
    assert set(here) == set(MENU_ENTRIES.values()) | set(MENU_GROUPS) | {"entry"}
    assert not any(value for name, value in here.items() if name not in {"claims", "claims_group", "entry"})
