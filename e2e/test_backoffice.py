"""Back office: an operator with an authenticator app takes a claim and suspends it for a missing document; the
member reads the checklist and adds the document; the claim is back in review in the operator's worklist."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import fill_login, open_menu, sign_in, take_expected_problem, watch_context
from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.claims import services
from mutua.claims.models import Claim, ClaimStatus
from mutua.claims.services import DocumentData
from mutua.claims.tests.samples import image_bytes, pdf_bytes
from mutua.demo.catalogue import OPERATOR_PASSWORD, OPERATOR_USERNAME
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory, UserFactory

PHONE = {"width": 390, "height": 844}


def sent_claim(member: Member) -> Claim:
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(
        claim=draft,
        actor=member.user,
        data=DocumentData(
            doc_type="fattura",
            number="45/2026",
            issue_date=dt.date.today() - dt.timedelta(days=10),
            amount=Decimal("120.00"),
            provider_province="MI",
            provider_name="Poliambulatorio San Luca",
            beneficiary=None,
            notes="",
        ),
        files=[SimpleUploadedFile("fattura-45.pdf", pdf_bytes("Fattura n. 45/2026"), content_type="application/pdf")],
    )
    return services.claim_submit(member=member, token=draft.token, actor=member.user).claim


def operator_signs_in(page: Page, base_url: str, secret: str, check_page) -> None:
    page.goto(base_url + "/backoffice/")  # not signed in: the operators' sign-in page
    expect(page.get_by_role("heading", name="Accesso operatori", level=1)).to_be_visible()
    expect(page.locator(".it-brand-tagline")).to_have_text("Back office")  # not the members' "Area soci"
    check_page(page, "accesso-operatori")
    fill_login(page, OPERATOR_USERNAME, OPERATOR_PASSWORD)
    expect(page.get_by_role("heading", name="Autenticazione a due fattori", level=1)).to_be_visible()
    page.get_by_label("Codice dell'app di autenticazione").fill(pyotp.TOTP(secret).at(time.time()))
    page.get_by_role("button", name="Entra").click()
    expect(page.get_by_role("heading", name="Pratiche da lavorare", level=1)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Pratiche da lavorare · Back office · "))
    expect(page.locator(".it-brand-tagline")).to_have_text("Back office")


def test_operatore_sospende_il_socio_integra_la_pratica_torna_in_lavorazione(
    page: Page, browser: Browser, base_url_live: str, check_page, browser_problems: list[str], tmp_path: Path
) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    claim = sent_claim(member)
    operator = UserFactory(username=OPERATOR_USERNAME, role=Role.OPERATOR, first_name="Olga", last_name="Neri")
    operator.set_password(OPERATOR_PASSWORD)  # the demo operator's credentials
    operator.save(update_fields=["password"])
    secret = totp_enable(operator)

    # The operator: worklist, "Prendi in carico", confirm.
    operator_signs_in(page, base_url_live, secret, check_page)
    row = page.get_by_test_id("pratica").filter(has_text="Mario Rossi")
    expect(row).to_contain_text("Trasmessa")
    expect(row).to_contain_text("€ 120,00")
    expect(page.get_by_test_id("conteggi")).to_contain_text("Trasmessa 1")
    check_page(page, "lista-di-lavoro")
    row.get_by_role("link", name=re.compile("^Prendi in carico")).click()
    expect(page.get_by_role("heading", name=f"Prendi in carico la pratica n. {claim.pk}")).to_be_visible()
    check_page(page, "conferma-presa-in-carico")
    page.get_by_role("button", name="Prendi in carico").click()

    # The review page: the member, the document shown inline, the history.
    expect(page.get_by_text(f"Hai preso in carico la pratica n. {claim.pk}.")).to_be_visible()
    expect(page.get_by_test_id("assegnatario")).to_have_text("Olga Neri")
    expect(page.get_by_test_id("dati-socio")).to_contain_text(member.fiscal_code)
    expect(page.locator("iframe[title='fattura-45.pdf']")).to_be_visible()
    check_page(page, "esame-pratica")

    # "Sospendi": an empty checklist is refused next to the field, then a receipt and a free-text item.
    page.get_by_role("link", name="Sospendi: documenti da integrare").click()
    check_page(page, "sospendi")
    page.get_by_role("button", name="Sospendi la pratica").click()
    expect(page.locator("#id_doc_types-error")).to_have_text("Indica almeno un documento da integrare.")
    take_expected_problem(browser_problems, r"(HTTP 400 POST |console error from ).*/sospendi/")
    check_page(page, "sospendi-errore")
    page.locator("label[for='id_doc_types_1']").click()  # Bootstrap Italia draws the box on the label
    expect(page.get_by_label("Ricevuta", exact=True)).to_be_checked()
    page.get_by_label("Altri documenti o indicazioni, uno per riga").fill("Prescrizione del medico")
    deadline = dt.date.today() + dt.timedelta(days=30)
    expect(page.get_by_label("Termine per l'invio")).to_have_value(deadline.isoformat())
    page.get_by_role("button", name="Sospendi la pratica").click()
    expect(page.get_by_test_id("sospensione")).to_contain_text(f"Documenti da integrare entro il {deadline:%d/%m/%Y}")
    expect(page.get_by_test_id("sospensione")).to_contain_text("Prescrizione del medico")
    check_page(page, "pratica-sospesa")

    # The member, in another browser: the notification, the checklist and "Aggiungi documenti".
    member_context = browser.new_context(locale="it-IT")
    watch_context(member_context, browser_problems)
    mpage = member_context.new_page()
    sign_in(mpage, base_url_live, "12345")
    expect(mpage.locator(".it-brand-tagline")).to_have_text("Area soci")
    expect(mpage).to_have_title(re.compile(r" · Area soci · "))
    open_menu(mpage, "Lista pratiche")
    mpage.get_by_role("link", name=str(claim.pk), exact=True).click()
    box = mpage.get_by_test_id("sospensione")
    expect(box).to_contain_text("Pratica sospesa: documenti da integrare")
    expect(box).to_contain_text(f"da inviare entro il {deadline:%d/%m/%Y}")
    expect(mpage.get_by_test_id("documenti-richiesti").locator("li")).to_have_text(
        ["Ricevuta", "Prescrizione del medico"]
    )
    check_page(mpage, "socio-pratica-sospesa")
    mpage.set_viewport_size(PHONE)
    check_page(mpage, "socio-pratica-sospesa-telefono")
    receipt = tmp_path / "ricevuta.jpg"
    receipt.write_bytes(image_bytes("JPEG", (400, 600)))
    form = mpage.locator("form[action$='/aggiungi-documenti/']")
    form.get_by_label("Tipo documento").select_option(label="Ricevuta")
    form.get_by_label("Numero documento").fill("R 12")
    form.get_by_label("Data di emissione").fill((dt.date.today() - dt.timedelta(days=5)).isoformat())
    form.get_by_label("Importo totale pagato").fill("35,00")
    form.get_by_label("Provincia del fornitore").select_option("MI")
    form.get_by_label("Nome del fornitore").fill("Farmacia Centrale")
    form.get_by_label("File del documento").set_input_files([receipt])
    form.get_by_role("button", name="Aggiungi documenti").click()
    expect(mpage.get_by_text("Documento aggiunto: la pratica torna all'esame degli operatori.")).to_be_visible()
    expect(mpage.locator("[data-status]").first).to_have_text("In lavorazione")
    expect(mpage.get_by_test_id("sospensione")).to_have_count(0)
    check_page(mpage, "socio-documento-aggiunto")
    member_context.close()

    # Back to the operator: the claim is in review again, with the new document shown inline.
    page.get_by_role("link", name="Back office", exact=True).click()  # the breadcrumb, not the brand
    page.get_by_test_id("conteggi").get_by_role("link", name=re.compile("^In lavorazione")).click()
    row = page.get_by_test_id("pratica").filter(has_text="Mario Rossi")
    expect(row).to_contain_text("In lavorazione")
    expect(row).to_contain_text("Olga Neri")
    expect(row).to_contain_text("€ 155,00")
    check_page(page, "lista-in-lavorazione")
    page.set_viewport_size(PHONE)
    check_page(page, "lista-in-lavorazione-telefono")
    row.get_by_role("link", name=f"n. {claim.pk}").click()
    expect(page.get_by_role("img", name="ricevuta.jpg")).to_be_visible()
    expect(page.get_by_test_id("cronologia")).to_contain_text("Documenti aggiunti dal socio.")
    check_page(page, "esame-dopo-integrazione-telefono")

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator
    assert AuditEvent.objects.filter(action="backoffice.claim_view", actor=operator).count() >= 3
    assert AuditEvent.objects.filter(action="backoffice.attachment_view", actor=operator).exists()


def test_il_socio_non_entra_nel_back_office(page: Page, base_url_live: str, check_page, browser_problems) -> None:
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    sign_in(page, base_url_live, "12345")
    page.goto(base_url_live + "/backoffice/")
    take_expected_problem(browser_problems, r"(HTTP 404 GET |console error from ).*/backoffice/")
    expect(page.get_by_role("heading", name="Pratiche da lavorare")).to_have_count(0)
    check_page(page, "socio-404")
