"""Lista pratiche: a member's sent claims, filtered by status and year, 20 a page, each opening its own page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.helpers import open_menu, sign_in
from mutua.claims import services
from mutua.claims.models import Claim, ClaimStatus
from mutua.claims.services import DocumentData
from mutua.claims.tests.samples import pdf_bytes
from mutua.members.models import Member

S = ClaimStatus
THIS_YEAR = timezone.localdate().year
# The statuses a claim goes through to reach each final one (docs/architecture.md, Claim statuses), after "Trasmessa".
PATHS = {
    S.PAID: [S.IN_REVIEW, S.SETTLED, S.PAID],
    S.REJECTED: [S.IN_REVIEW, S.REJECTED],
    S.CANCELLED: [S.CANCELLED],
}


def file_name(number: str) -> str:
    return "fattura-" + number.replace("/", "-") + ".pdf"


def make_claim(member: Member, *, submitted: dt.datetime, final: str, amount: str, number: str) -> Claim:
    """A claim sent on `submitted` and moved through the services to `final`, ten minutes a step."""
    draft = services.draft_start(member=member, actor=member.user)
    data = DocumentData(
        doc_type="fattura",
        number=number,
        issue_date=(submitted - dt.timedelta(days=3)).date(),
        amount=Decimal(amount),
        provider_province="MI",
        provider_name="Studio medico Bianchi",
        beneficiary=None,
        notes="",
    )
    upload = SimpleUploadedFile(file_name(number), pdf_bytes(f"Fattura {number}"), content_type="application/pdf")
    services.document_add(claim=draft, actor=member.user, data=data, files=[upload])
    claim = services.claim_transition(claim=draft, to_status=S.SUBMITTED, actor=member.user, at=submitted)
    for step, status in enumerate(PATHS[final], start=1):
        claim = services.claim_transition(
            claim=claim, to_status=status, actor=None, at=submitted + dt.timedelta(minutes=10 * step)
        )
    return claim


def make_history(member: Member) -> tuple[list[Claim], Claim]:
    """28 claims: two years ago 4 paid; last year 17 paid, 3 rejected, 2 cancelled; this year 1 paid, 1 sent now."""
    year = THIS_YEAR
    plan = [(year - 2, S.PAID)] * 4 + [(year - 1, S.PAID)] * 17 + [(year - 1, S.REJECTED)] * 3
    plan += [(year - 1, S.CANCELLED)] * 2
    claims = []
    for n, (in_year, final) in enumerate(plan, start=1):
        when = timezone.make_aware(dt.datetime(in_year, 1 + n % 12, 1 + n % 28, 10, 30))
        claims.append(make_claim(member, submitted=when, final=final, amount=f"{10 * n}.50", number=f"{n}/{in_year}"))
    now = timezone.now()
    claims.append(make_claim(member, submitted=now - dt.timedelta(hours=2), final=S.PAID, amount="45.00", number="P/1"))
    # The newest, sent the way the portal sends it: "Trasmessa".
    draft = services.draft_start(member=member, actor=member.user)
    data = DocumentData(
        doc_type="ricevuta",
        number="R-1",
        issue_date=timezone.localdate() - dt.timedelta(days=1),
        amount=Decimal("1234.56"),
        provider_province="RM",
        provider_name="Farmacia Centrale",
        beneficiary=member.beneficiaries.get(),
        notes="",
    )
    upload = SimpleUploadedFile("ricevuta-r1.pdf", pdf_bytes("Ricevuta R-1"), content_type="application/pdf")
    services.document_add(claim=draft, actor=member.user, data=data, files=[upload])
    latest = services.claim_submit(member=member, token=draft.token, actor=member.user).claim
    return claims, latest


def ids(page: Page) -> list[str]:
    return page.get_by_test_id("pratica").locator("td:first-child a").all_inner_texts()


def filter_by(page: Page, *, status: str = "Tutti", year: str = "Tutti") -> None:
    """Choose by the options' text, press "Filtra" and wait for the filtered list's address."""
    [stato] = page.get_by_label("Stato").select_option(label=status)
    [anno] = page.get_by_label("Anno").select_option(label=year)
    page.get_by_role("button", name="Filtra").click()
    expect(page).to_have_url(re.compile(rf"/pratiche/\?stato={stato}&anno={anno}$"))


def test_lista_pratiche(page: Page, base_url_live: str, member: Member, other_member: Member, check_page) -> None:
    claims, latest = make_history(member)
    make_claim(other_member, submitted=timezone.now() - dt.timedelta(hours=3), final=S.PAID, amount="99.00", number="X")
    by_id = {str(c.pk): c for c in [*claims, latest]}
    newest_first = sorted(by_id.values(), key=lambda c: (c.submitted_at, c.pk), reverse=True)

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Lista pratiche")
    expect(page.get_by_role("heading", name="Lista pratiche", level=1)).to_be_visible()

    # Page 1 of 2: the newest 20, the claim just sent first and "Trasmessa".
    rows = page.get_by_test_id("pratica")
    expect(rows).to_have_count(20)
    assert ids(page) == [str(c.pk) for c in newest_first[:20]]
    first = rows.nth(0)
    expect(first.locator("td")).to_have_text(
        [
            str(latest.pk),
            timezone.localtime(latest.submitted_at).strftime("%d/%m/%Y"),
            "Rimborso – standard",
            "Trasmessa",
            "€ 1.234,56",
            "—",
            "—",
        ]
    )
    expect(page.get_by_role("navigation", name="Pagine")).to_contain_text("Pagina 1 di 2")
    expect(page.get_by_role("link", name="Precedente")).to_have_count(0)
    check_page(page, "tutte-pagina-1")

    page.get_by_role("link", name="Successiva").click()
    expect(page).to_have_url(re.compile(r"pagina=2"))
    expect(rows).to_have_count(8)
    assert ids(page) == [str(c.pk) for c in newest_first[20:]]
    expect(page.get_by_role("navigation", name="Pagine")).to_contain_text("Pagina 2 di 2")
    expect(page.get_by_role("link", name="Successiva")).to_have_count(0)
    check_page(page, "tutte-pagina-2")
    page.get_by_role("link", name="Precedente").click()
    expect(page.get_by_role("navigation", name="Pagine")).to_contain_text("Pagina 1 di 2")

    # The filters offer every status but "Bozza" and the years with claims, newest first.
    expect(page.get_by_label("Stato").locator("option")).to_have_text(
        ["Tutti", "Trasmessa", "In lavorazione", "Sospesa", "Liquidata", "Pagata", "Respinta", "Annullata"]
    )
    expect(page.get_by_label("Anno").locator("option")).to_have_text(["Tutti", *(str(THIS_YEAR - n) for n in range(3))])

    # By status: 22 paid claims, so two pages, and page 2 keeps the filter.
    filter_by(page, status="Pagata")
    expect(page.get_by_label("Stato")).to_have_value("paid")
    expect(rows).to_have_count(20)
    expect(rows.locator("[data-status]")).to_have_text(["Pagata"] * 20)
    check_page(page, "pagate")
    page.get_by_role("link", name="Successiva").click()
    expect(rows).to_have_count(2)
    expect(rows.locator("[data-status]")).to_have_text(["Pagata"] * 2)
    expect(page.get_by_label("Stato")).to_have_value("paid")

    # By year, and by both.
    two_years_ago, last_year = str(THIS_YEAR - 2), str(THIS_YEAR - 1)
    filter_by(page, status="Tutti", year=two_years_ago)
    expect(rows).to_have_count(4)
    expect(page.get_by_role("navigation", name="Pagine")).to_have_count(0)
    assert all(str(by_id[i].submitted_at.year) == two_years_ago for i in ids(page))
    filter_by(page, status="Respinta", year=last_year)
    expect(rows).to_have_count(3)
    expect(rows.locator("[data-status]")).to_have_text(["Respinta"] * 3)
    check_page(page, "respinte-anno-scorso")
    filter_by(page, status="Trasmessa", year=two_years_ago)
    expect(rows).to_have_count(0)
    expect(page.get_by_text("Nessuna pratica trovata.")).to_be_visible()
    check_page(page, "nessuna-pratica")

    # Open one: a paid claim of last year, with its timeline and no way to withdraw it.
    filter_by(page, status="Pagata", year=last_year)
    expect(rows).to_have_count(17)
    chosen = ids(page)[0]
    rows.nth(0).get_by_role("link", name=chosen, exact=True).click()
    expect(page).to_have_url(f"{base_url_live}/pratiche/{chosen}/")
    expect(page.get_by_role("heading", name=f"Pratica n. {chosen}", level=1)).to_be_visible()
    expect(page.locator("main [data-status]").first).to_have_text("Pagata")
    document = by_id[chosen].documents.get()
    expect(page.get_by_role("table", name="Documenti della pratica")).to_contain_text(f"Fattura {document.number}")
    expect(page.get_by_role("link", name=file_name(document.number))).to_be_visible()
    expect(page.locator("main ol li")).to_have_count(4)  # Trasmessa, In lavorazione, Liquidata, Pagata
    expect(page.get_by_role("link", name="Annulla la pratica")).to_have_count(0)
    check_page(page, "dettaglio-pagata")

    # Another member's claim is not there for this member.
    other_claim = Claim.objects.get(member=other_member)
    response = page.goto(f"{base_url_live}/pratiche/{other_claim.pk}/")
    assert response is not None and response.status == 404
