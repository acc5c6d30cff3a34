"""Liquidazione e pagamento: an operator settles a claim in review (changing a figure needs a reason), a supervisor
pays it in a SEPA batch and downloads the file, and the member sees the claim paid with the amounts."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pyotp
import sepaxml
import xmlschema
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import fill_login, open_menu, sign_in, take_expected_problem, watch_context
from e2e.test_backoffice import PHONE, operator_signs_in, sent_claim
from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.claims import services
from mutua.claims.models import ClaimStatus, Settlement
from mutua.demo.catalogue import OPERATOR_PASSWORD, OPERATOR_USERNAME, SUPERVISOR_PASSWORD, SUPERVISOR_USERNAME
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.payouts.sepa import next_target_day
from mutua.plans.tests.factories import EnrollmentFactory, PlanFactory

XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.09.xsd")


def supervisor_signs_in(page: Page, base_url: str, secret: str) -> None:
    page.goto(base_url + "/backoffice/")
    fill_login(page, SUPERVISOR_USERNAME, SUPERVISOR_PASSWORD)
    page.get_by_label("Codice dell'app di autenticazione").fill(pyotp.TOTP(secret).at(time.time()))
    page.get_by_role("button", name="Entra").click()
    expect(page.get_by_role("heading", name="Pratiche da lavorare", level=1)).to_be_visible()


def test_operatore_liquida_il_supervisore_paga_il_socio_vede_la_pratica_pagata(
    page: Page, browser: Browser, base_url_live: str, check_page, browser_problems: list[str]
) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    plan = PlanFactory(
        name="Piano Famiglia",
        reimbursement_pct=Decimal("80"),
        minimum_withheld=Decimal("25.00"),
        beneficiary_ceiling=Decimal("3000.00"),
    )
    EnrollmentFactory(member=member, plan=plan, start_date=dt.date(2020, 1, 1))
    operator = UserFactory(username=OPERATOR_USERNAME, role=Role.OPERATOR, first_name="Olga", last_name="Neri")
    operator.set_password(OPERATOR_PASSWORD)
    operator.save(update_fields=["password"])
    secret = totp_enable(operator)
    claim = services.claim_take(claim=sent_claim(member), actor=operator)  # € 120,00, in review

    # The operator: "Liquida" on the review page; the computed figures and the ceiling.
    operator_signs_in(page, base_url_live, secret, check_page)
    page.goto(f"{base_url_live}/backoffice/pratiche/{claim.pk}/")
    page.get_by_role("link", name="Liquida", exact=True).click()
    expect(page.get_by_role("heading", name=f"Liquida la pratica n. {claim.pk}")).to_be_visible()
    box = page.get_by_test_id("liquida-documento")
    expect(box.get_by_test_id("calcolato")).to_have_text(
        "ammesso € 120,00 · franchigia/scoperto € 25,00 · liquidato € 95,00"
    )
    expect(box).to_contain_text("Scoperto del 20% con il minimo di € 25,00.")
    expect(box.get_by_test_id("massimale-assistito")).to_have_text("usati € 0,00, residui € 3.000,00 su € 3.000,00")
    check_page(page, "liquida")
    page.set_viewport_size(PHONE)
    check_page(page, "liquida-telefono")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Changing a figure without a reason is refused next to the field.
    box.get_by_label("Franchigia / scoperto").fill("20,00")
    box.get_by_label("Importo liquidato").fill("100,00")
    page.get_by_role("button", name="Conferma la liquidazione").click()
    expect(page.locator("[id$='-error']").filter(has_text="Hai cambiato gli importi calcolati")).to_be_visible()
    take_expected_problem(browser_problems, r"(HTTP 400 POST |console error from ).*/liquida/")
    check_page(page, "liquida-errore")
    page.get_by_label("Motivo della modifica").fill("Franchigia ridotta come da accordo con la sede.")
    page.get_by_role("button", name="Conferma la liquidazione").click()
    expect(page.get_by_text(f"Pratica n. {claim.pk} liquidata: il socio è stato avvisato.")).to_be_visible()
    expect(page.get_by_test_id("liquidazione-documento")).to_contain_text("liquidato € 100,00")
    check_page(page, "pratica-liquidata")
    expect(page.get_by_role("link", name="Pagamenti: distinte SEPA")).to_have_count(0)  # operators do not pay

    # The supervisor, in another browser: a batch with the claim, the SEPA file, the confirmation.
    supervisor = UserFactory(username=SUPERVISOR_USERNAME, role=Role.SUPERVISOR, first_name="Sara", last_name="Galli")
    supervisor.set_password(SUPERVISOR_PASSWORD)
    supervisor.save(update_fields=["password"])
    supervisor_secret = totp_enable(supervisor)
    context = browser.new_context(locale="it-IT", accept_downloads=True)
    watch_context(context, browser_problems)
    spage = context.new_page()
    supervisor_signs_in(spage, base_url_live, supervisor_secret)
    spage.get_by_role("link", name="Pagamenti: distinte SEPA").click()
    expect(spage.get_by_role("heading", name="Pagamenti", level=1)).to_be_visible()
    expect(spage.get_by_test_id("da-pagare")).to_contain_text("€ 100,00")
    check_page(spage, "pagamenti")
    spage.set_viewport_size(PHONE)
    check_page(spage, "pagamenti-telefono")
    spage.set_viewport_size({"width": 1280, "height": 900})
    spage.locator(f"label[for='pratica-{claim.pk}']").click()
    expect(spage.get_by_label(f"Paga la pratica n. {claim.pk}")).to_be_checked()
    day = next_target_day(dt.date.today() + dt.timedelta(days=1))
    expect(spage.get_by_label("Data di esecuzione")).to_have_value(day.isoformat())
    spage.get_by_role("button", name="Crea la distinta").click()
    expect(spage.get_by_text(re.compile(r"Distinta n\. \d+ creata"))).to_be_visible()
    expect(spage.get_by_test_id("pagamenti")).to_contain_text("€ 100,00")
    check_page(spage, "distinta")
    # A draft can be deleted after a confirmation page: its claim is to pay again and goes in a new batch.
    spage.get_by_role("link", name="Elimina la distinta").click()
    check_page(spage, "elimina-distinta")
    spage.get_by_role("button", name="Elimina la distinta").click()
    expect(spage.get_by_text(re.compile(r"Distinta n\. \d+ eliminata"))).to_be_visible()
    expect(spage.get_by_test_id("da-pagare")).to_contain_text("€ 100,00")
    spage.locator(f"label[for='pratica-{claim.pk}']").click()
    spage.get_by_role("button", name="Crea la distinta").click()
    expect(spage.get_by_text(re.compile(r"Distinta n\. \d+ creata"))).to_be_visible()
    with spage.expect_download() as info:
        spage.get_by_role("link", name="Scarica il file SEPA").click()
    xml = Path(info.value.path()).read_text(encoding="utf-8")
    xmlschema.XMLSchema(XSD).validate(xml)
    settlement = Settlement.objects.get(document__claim=claim)
    assert f"<EndToEndId>{settlement.pk}</EndToEndId>" in xml and ">100.00</InstdAmt>" in xml
    spage.get_by_role("link", name="Conferma il pagamento").click()
    check_page(spage, "conferma-pagamento")
    spage.get_by_role("button", name="Conferma il pagamento").click()
    expect(
        spage.get_by_text(re.compile(r"Distinta n\. \d+ confermata: le pratiche risultano pagate\."))
    ).to_be_visible()
    expect(spage.get_by_role("link", name="Conferma il pagamento")).to_have_count(0)
    check_page(spage, "distinta-confermata")
    context.close()

    # The member: the claim is paid, with the amounts and the value date.
    member_context = browser.new_context(locale="it-IT")
    watch_context(member_context, browser_problems)
    mpage = member_context.new_page()
    sign_in(mpage, base_url_live, "12345")
    open_menu(mpage, "Lista pratiche")
    mpage.get_by_role("link", name=str(claim.pk), exact=True).click()
    expect(mpage.locator("[data-status]").first).to_have_text("Pagata")
    table = mpage.get_by_role("table")
    expect(table).to_contain_text("€ 120,00")
    expect(table).to_contain_text("€ 20,00")
    expect(table).to_contain_text("€ 100,00")
    expect(mpage.get_by_test_id("pagato-il")).to_have_text(f"Pagato il {day:%d/%m/%Y}")
    expect(table).to_contain_text("Franchigia ridotta come da accordo con la sede.")
    check_page(mpage, "socio-pratica-pagata")
    mpage.set_viewport_size(PHONE)
    check_page(mpage, "socio-pratica-pagata-telefono")
    mpage.set_viewport_size({"width": 1280, "height": 900})

    # The payment feeds "Riepilogo sussidi ricevuti" (by the year of the expense: the payment date may fall
    # in next year, outside the years offered, when this runs at the very end of December).
    open_menu(mpage, "Riepilogo sussidi ricevuti")
    mpage.locator("label", has_text="anno di competenza").click()
    mpage.get_by_label("Anno", exact=True).select_option(str(settlement.competence_year))
    mpage.get_by_role("button", name="Cerca").click()
    received = mpage.get_by_test_id("sussidio")
    expect(received).to_have_count(1)
    expect(received).to_contain_text("€ 120,00")
    expect(received).to_contain_text("€ 100,00")
    expect(received).to_contain_text(f"{day:%d/%m/%Y}")
    check_page(mpage, "socio-riepilogo-sussidi")
    member_context.close()

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
