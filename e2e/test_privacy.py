"""Privacy and the footer: the legal pages, "I miei consensi" and "Scarica i miei dati" end to end: the member asks,
the worker (run here, in the test) builds the ZIP, the member is told, downloads it, and it holds their data only."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import Page, expect

from e2e.helpers import sign_in
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import Consent, ConsentPurpose, Member
from mutua.members.tests.factories import PrivacyNoticeFactory
from mutua.privacy.models import DataExport, ExportStatus

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def smallest_text_px(page: Page) -> float:
    """The smallest font size of the help texts, notes and dates on the page (1000 when there are none)."""
    return page.evaluate(
        """selector => Math.min(...Array.from(document.querySelectorAll(selector))
             .filter(e => e.offsetParent !== null)
             .map(e => parseFloat(getComputedStyle(e).fontSize)), 1000)""",
        "main .form-text, main .small, main small, main .text-muted",
    )


def test_footer_pages(page: Page, base_url_live: str, member: Member, check_page) -> None:
    PrivacyNoticeFactory(version="2026.1")  # the migration's notice is gone once an earlier test emptied the tables
    sign_in(page, base_url_live, member.code)
    footer = page.get_by_test_id("footer-links")
    for link, heading, name in [
        ("Informativa privacy", "Informativa privacy", "informativa"),
        ("Cookie policy", "Cookie policy", "cookie"),
        ("Note legali", "Note legali", "note-legali"),
        ("Dichiarazione di accessibilità", "Dichiarazione di accessibilità", "accessibilita"),
        ("Contatti", "Contatti", "contatti"),
    ]:
        footer.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(page.get_by_test_id("breadcrumbs")).to_contain_text("Panoramica")
        check_page(page, name)
    # The bell is labelled with a word anybody reads, not an icon alone.
    expect(page.get_by_test_id("bell")).to_contain_text("Notifiche")


def test_consensi(page: Page, base_url_live: str, member: Member, check_page) -> None:
    PrivacyNoticeFactory(version="2026.1")  # the migration's notice is gone once an earlier test emptied the tables
    sign_in(page, base_url_live, member.code)
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Profilo", exact=True).click()
    page.get_by_role("link", name="I miei consensi: storico e revoca").click()
    expect(page.get_by_role("heading", name="I miei consensi", level=1)).to_be_visible()
    check_page(page, "consensi")
    form = page.get_by_test_id("optional-consents")
    newsletter = form.get_by_role("group", name="Ricevere per email notizie e iniziative della mutua")
    newsletter.get_by_text("Acconsento", exact=True).click()  # the label: Bootstrap Italia draws the radio
    form.get_by_role("button", name="Salva le scelte").click()
    expect(page.get_by_text("Le tue scelte sono state registrate.")).to_be_visible()
    newsletter.get_by_text("Non acconsento", exact=True).click()
    form.get_by_role("button", name="Salva le scelte").click()
    history = page.get_by_test_id("consent-history")
    expect(history.locator("tbody tr").first).to_contain_text("Revocato")
    expect(history.locator("tbody tr").first).to_contain_text("versione 2026.1")
    check_page(page, "consensi-revocato")
    assert smallest_text_px(page) >= 16
    rows = Consent.objects.filter(member=member, purpose=ConsentPurpose.NEWSLETTER).order_by("created_at", "pk")
    assert [r.given for r in rows] == [True, False]


def test_scarica_i_miei_dati(
    page: Page, base_url_live: str, member: Member, other_member: Member, settings, tmp_path: Path, check_page
) -> None:
    settings.TASKS = DATABASE_QUEUE  # tasks wait for a worker, as in production
    sent_claim(member, upload=samples.pdf_upload("fattura-mario.pdf"))
    sent_claim(other_member, upload=samples.pdf_upload("fattura-giulia.pdf"))

    sign_in(page, base_url_live, member.code)
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Profilo", exact=True).click()
    page.get_by_role("link", name="Scarica i miei dati").click()
    expect(page.get_by_role("heading", name="Scarica i miei dati", level=1)).to_be_visible()
    check_page(page, "scarica-dati")
    page.get_by_role("button", name="Prepara la copia dei miei dati").click()
    expect(page.get_by_text("Stiamo preparando la copia dei tuoi dati: ti avviseremo")).to_be_visible()
    expect(page.get_by_test_id("export-pending")).to_be_visible()
    check_page(page, "scarica-dati-in-preparazione")
    assert DataExport.objects.get().status == ExportStatus.PENDING

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)  # the worker, here
    assert DataExport.objects.get().status == ExportStatus.READY

    expect(page.get_by_test_id("unread")).to_contain_text("1 non lette")  # the claim's "trasmessa"
    page.reload()
    expect(page.get_by_test_id("unread")).to_contain_text("2 non lette")
    page.get_by_test_id("bell").click()
    page.get_by_role("link", name="La copia dei tuoi dati è pronta").click()
    expect(page.get_by_role("heading", name="Scarica i miei dati", level=1)).to_be_visible()
    check_page(page, "scarica-dati-pronta")
    assert smallest_text_px(page) >= 16
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"dati-{member.code}-") and download.suggested_filename.endswith(
        ".zip"
    )
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    archive = zipfile.ZipFile(io.BytesIO(target.read_bytes()))
    names = archive.namelist()
    assert "LEGGIMI.txt" in names and "dati/pratiche.csv" in names
    [me] = json.loads(archive.read("dati/dati_personali.json"))
    assert me["fiscal_code"] == member.fiscal_code
    assert [b["first_name"] for b in json.loads(archive.read("dati/familiari.json"))] == ["Sofia"]
    own = [n for n in names if n.endswith("fattura-mario.pdf")]
    assert own and archive.read(own[0]).startswith(b"%PDF-")
    everything = "\n".join(names) + b"".join(archive.read(n) for n in names).decode("utf-8", "replace")
    for secret in [other_member.fiscal_code, other_member.last_name, "fattura-giulia"]:
        assert secret not in everything
    actions = json.loads(archive.read("dati/registro_accessi.json"))
    # The log as it stood when the copy was written: the request is in it.
    assert [a["action"] for a in actions if a["action"].startswith("data_export")] == ["data_export.requested"]
