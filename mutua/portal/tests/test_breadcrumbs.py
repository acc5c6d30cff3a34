"""Breadcrumbs on every member page: the test walks the URL configuration, so a new page without them fails."""

from __future__ import annotations

import pytest

from mutua.core.tests.test_no_store import things, url_names, url_of  # noqa: F401  (things: a fixture)

pytestmark = pytest.mark.django_db


def test_every_member_page_has_breadcrumbs_from_panoramica(client, member, things):  # noqa: F811
    client.force_login(member.user)
    checked = []
    for name, params in url_names():
        if not name.startswith(("portal:", "profile:")) or name in ("portal:home", "portal:card_check"):
            continue
        response = client.get(url_of(name, params, things))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = response.content.decode()
        assert 'data-testid="breadcrumbs"' in page, name
        crumbs = page[
            page.index('data-testid="breadcrumbs"') : page.index("</nav>", page.index('data-testid="breadcrumbs"'))
        ]
        assert '<a href="/">Panoramica</a>' in crumbs and 'aria-current="page"' in crumbs, name
        checked.append(name)
    assert len(checked) >= 30, checked


def test_a_claims_breadcrumbs_lead_back_through_the_list(client, member, things):  # noqa: F811
    from django.urls import reverse

    client.force_login(member.user)
    page = client.get(reverse("portal:claim_cancel", args=[things["claim"]])).content.decode()
    crumbs = page[page.index('data-testid="breadcrumbs"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    order = ['href="/"', 'href="/pratiche/"', f'href="/pratiche/{things["claim"]}/"', "Annulla pratica"]
    assert [crumbs.index(o) for o in order] == sorted(crumbs.index(o) for o in order)
    assert f"Pratica n. {things['claim']}" in crumbs
