"""Panoramica: the member with family sees their data, plans, latest claims and notifications, and each block
leads where the guide says."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.helpers import sign_in
from mutua.claims.models import ClaimStatus
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.members.models import Member, Relationship
from mutua.members.tests.factories import BeneficiaryFactory
from mutua.notifications.services import notification_create
from mutua.plans.models import Enrollment, Plan


def test_panoramica_del_socio_con_familiari(page: Page, base_url_live: str, member: Member, check_page) -> None:
    spouse = BeneficiaryFactory(
        member=member, relationship=Relationship.SPOUSE, first_name="Laura", birth_date=dt.date(1980, 3, 2)
    )
    plan = Plan.objects.create(code="FAM", name="Piano Famiglia Plus", yearly_fee=Decimal("480.00"))
    enrollment = Enrollment.objects.create(member=member, plan=plan, start_date=dt.date(2023, 1, 1))
    claims = []
    for days, status in ((3, ClaimStatus.SUSPENDED), (40, ClaimStatus.PAID)):
        claim = ClaimFactory(member=member, status=status, submitted_at=timezone.now() - dt.timedelta(days=days))
        ClaimDocumentFactory(claim=claim)
        claims.append(claim)
    notification_create(
        member_id=member.pk,
        kind="generic",
        title="La pratica è stata sospesa",
        body="",
        url=f"/pratiche/{claims[0].pk}/",
    )

    sign_in(page, base_url_live, member.code)
    expect(page.get_by_role("heading", name="Panoramica", level=1)).to_be_visible()
    expect(page.get_by_test_id("member-code")).to_have_text(member.code)
    family = page.get_by_test_id("family")
    expect(family).to_contain_text(f"{spouse.first_name} {spouse.last_name}")
    expect(family).to_contain_text("Figlio/a")
    expect(page.get_by_test_id("profile-link")).to_contain_text("Modifica il profilo")
    expect(page.get_by_test_id("enrollments")).to_contain_text("Piano Famiglia Plus")
    latest = page.get_by_test_id("latest-claims").get_by_role("listitem")
    expect(latest).to_have_count(2)
    expect(latest.nth(0)).to_contain_text(f"Pratica n. {claims[0].pk}")
    expect(latest.nth(0)).to_contain_text("Sospesa")
    expect(latest.nth(1)).to_contain_text("Pagata")
    expect(page.get_by_test_id("latest-notifications")).to_contain_text("La pratica è stata sospesa")
    expect(page.get_by_test_id("unread")).to_contain_text("1")
    check_page(page, "panoramica")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    check_page(page, "panoramica-telefono")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Each block leads to its section.
    latest.nth(0).get_by_role("link").click()
    expect(page).to_have_url(f"{base_url_live}/pratiche/{claims[0].pk}/")
    page.go_back()
    page.get_by_role("region", name="Ultime pratiche").get_by_role("link", name=re.compile("^Vedi tutte")).click()
    expect(page).to_have_url(f"{base_url_live}/pratiche/")
    page.go_back()
    page.get_by_test_id("latest-notifications").get_by_role("link").first.click()
    expect(page).to_have_url(f"{base_url_live}/pratiche/{claims[0].pk}/")
    expect(page.get_by_test_id("unread")).to_have_count(0)  # opened, so read
    page.goto(base_url_live + "/")
    page.get_by_test_id("enrollments").get_by_role("link").first.click()
    expect(page).to_have_url(f"{base_url_live}/adesioni/#adesione-{enrollment.pk}")
    page.goto(base_url_live + "/")
    page.get_by_role("link", name="Aggiorna", exact=True).click()
    expect(page).to_have_url(f"{base_url_live}/dati-anagrafici/aggiorna/")
