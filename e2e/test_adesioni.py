"""Adesioni e contributi: Adesioni, Certificazioni (the PDF read back), Tessera (preview, PDF, QR code) and the public
check the QR code opens, genuine and tampered."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import segno
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import open_menu, sign_in, wait_until, watch_context
from mutua.documents.tests.pdfread import page_texts, qr_matrices
from mutua.members.models import Member
from mutua.plans.card import card_check_url
from mutua.plans.models import ContributionMethod, DeductionCap
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory, PlanFactory

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
PHONE = {"width": 390, "height": 844}


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page_texts(data)))


def enroll(member: Member) -> None:
    """Piano Famiglia since 2016 with the child: last year paid in full, this year € 120,50 still due."""
    # The cap comes with a data migration; browser tests empty the tables between tests, so put it back.
    DeductionCap.objects.get_or_create(
        from_year=2018, defaults={"amount": Decimal("1300.00"), "legal_reference": "art. 83, comma 5, D.Lgs. 117/2017"}
    )
    enrollment = EnrollmentFactory(
        member=member, plan=PlanFactory(code="FAMIGLIA", name="Piano Famiglia"), start_date=dt.date(2016, 1, 1)
    )
    enrollment.beneficiaries.set(member.beneficiaries.all())
    for year, paid in ((LAST_YEAR, Decimal("300.00")), (THIS_YEAR, Decimal("179.50"))):
        ContributionFactory(
            enrollment=enrollment,
            year=year,
            amount_due=Decimal("300.00"),
            amount_paid=paid,
            family_part=Decimal("60.00"),
            paid_on=dt.date(year, 1, 31),
            method=ContributionMethod.TRANSFER,
        )


def download(page: Page, locator) -> tuple[str, bytes]:
    with page.expect_download() as info:
        locator.click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def test_adesioni_certificazioni_tessera(
    page: Page,
    browser: Browser,
    base_url_live: str,
    member: Member,
    other_member: Member,
    browser_problems: list[str],
    check_page,
) -> None:
    enroll(member)
    enroll(other_member)
    child = member.beneficiaries.get()
    sign_in(page, base_url_live, member.code)

    # Adesioni: the plan, the date it is active from, the family member, and the regularity per year.
    open_menu(page, "Adesioni")
    expect(page.get_by_role("heading", name="Adesioni", level=1)).to_be_visible()
    plan = page.get_by_test_id("adesione")
    expect(plan).to_have_count(1)
    expect(plan.get_by_role("heading", level=2)).to_have_text("Piano Famiglia")
    expect(plan.get_by_test_id("attiva-dal")).to_have_text("01/01/2016")
    expect(plan.get_by_test_id("familiari")).to_contain_text(f"{child.first_name} {child.last_name}")
    expect(plan.get_by_test_id(f"anno-{LAST_YEAR}")).to_contain_text("Regolare")
    expect(plan.get_by_test_id(f"anno-{THIS_YEAR}")).to_contain_text("Da versare: € 120,50")
    assert other_member.full_name not in page.content()
    check_page(page, "adesioni")
    page.set_viewport_size(PHONE)
    check_page(page, "adesioni-telefono")
    page.set_viewport_size({"width": 1280, "height": 720})

    # Certificazioni: the last two years, earlier ones by e-mail; last year's PDF read back.
    open_menu(page, "Certificazioni")
    expect(page.get_by_role("heading", name="Certificazioni", level=1)).to_be_visible()
    expect(page.get_by_test_id("anni-precedenti")).to_contain_text("Per gli anni precedenti bisogna inviare una email")
    expect(page.get_by_test_id(f"certificazione-{THIS_YEAR - 2}")).to_have_count(0)
    check_page(page, "certificazioni")
    name, data = download(page, page.get_by_test_id(f"certificazione-{LAST_YEAR}"))
    assert name == f"certificazione-contributi-{LAST_YEAR}.pdf"
    text = pdf_text(data)
    for expected in (
        f"Certificazione dei contributi versati – anno {LAST_YEAR}",
        member.full_name,
        member.fiscal_code,
        f"31/01/{LAST_YEAR} Bonifico Piano Famiglia Anno {LAST_YEAR} € 240,00 € 60,00 € 300,00",
        "Contributi per i familiari (non detraibili) € 60,00",
        "Limite annuo detraibile € 1.300,00",
        "Importo detraibile € 240,00",
        "art. 83, comma 5, D.Lgs. 117/2017",
    ):
        assert expected in text, expected
    assert other_member.full_name not in text

    # Tessera: the preview is the card; the image and the button both download the PDF.
    open_menu(page, "Tessera")
    preview = page.get_by_test_id("anteprima")
    expect(preview).to_be_visible()
    wait_until(page, "() => document.querySelector('[data-testid=anteprima]').naturalWidth > 0")
    check_page(page, "tessera")
    page.set_viewport_size(PHONE)
    page.reload()
    wait_until(
        page,
        "() => (img => img.naturalWidth > 0 && img.currentSrc.endsWith('verticale'))"
        "(document.querySelector('[data-testid=anteprima]'))",
    )
    check_page(page, "tessera-telefono")
    page.set_viewport_size({"width": 1280, "height": 720})
    name, from_image = download(page, page.get_by_test_id("anteprima-link"))
    assert name == f"tessera-{member.code}.pdf"
    _, data = download(page, page.get_by_role("link", name="Scarica la tessera"))
    text = pdf_text(data)
    for expected in (member.full_name, member.code, child.fiscal_code, "Piano Famiglia, attiva dal 01/01/2016"):
        assert expected in text and expected in pdf_text(from_image), expected
    assert f"Valida fino al 31/12/{THIS_YEAR}" in text

    # The QR code on the card holds the signed link of this card's public check.
    url = card_check_url(member=member)
    assert qr_matrices(data) == [[list(row) for row in segno.make(url, error="m", micro=False).matrix]]
    path = url.split("://", 1)[1].split("/", 1)[1]

    # Anyone, not signed in, opens it: valid today and the holder's initials, nothing more.
    stranger = browser.new_context(locale="it-IT")
    watch_context(stranger, browser_problems)
    public = stranger.new_page()
    public.goto(f"{base_url_live}/{path}")
    expect(public.get_by_test_id("card-check-result")).to_contain_text("Tessera valida oggi")
    expect(public.get_by_test_id("card-check-result")).to_contain_text("Iniziali del titolare: M. R.")
    body = public.locator("main").inner_text()
    for private in (member.full_name, member.code, member.fiscal_code, "Piano Famiglia", child.first_name):
        assert private not in body
    check_page(public, "verifica-tessera-valida")

    # A tampered link: the last character of the signature changed.
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    public.goto(f"{base_url_live}/{tampered}")
    expect(public.get_by_test_id("card-check-result")).to_have_text("Tessera non valida.")
    expect(public.get_by_text("M. R.")).to_have_count(0)
    check_page(public, "verifica-tessera-manomessa")
    stranger.close()
