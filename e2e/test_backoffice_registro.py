"""Back office, Importazione dal registro: a supervisor uploads the registry's file of regional offices, reads the
check (nothing saved yet), confirms, sees the outcome and finds the run in the history."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.test_backoffice_prenotazioni import staff, staff_signs_in
from mutua.accounts.models import Role
from mutua.members.models import RegionalOffice

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples" / "registry"


def test_caricamento_verifica_conferma_e_storico(page: Page, base_url_live: str, check_page) -> None:
    secret = staff("supervisore.anagrafe", Role.SUPERVISOR, "Sara", "Galli")
    staff_signs_in(page, base_url_live, "supervisore.anagrafe", secret)

    page.get_by_role("link", name="Importazione dal registro").click()
    expect(page.get_by_role("heading", name="Importazione dal registro", level=1)).to_be_visible()
    expect(page.get_by_text("Nessuna importazione.")).to_be_visible()
    check_page(page, "registro-vuoto")

    page.get_by_label("File del registro (CSV o JSON)").set_input_files(str(EXAMPLES / "sedi.csv"))
    page.get_by_role("button", name="Carica e verifica").click()

    expect(page.get_by_role("heading", name="Importazione n. 1", level=1)).to_be_visible()
    expect(page.get_by_test_id("stato")).to_have_text("Da confermare")
    check_row = page.get_by_test_id("verifica").get_by_role("row", name="Sedi regionali")
    expect(check_row).to_contain_text("3")
    assert not RegionalOffice.objects.exists()  # the check saved nothing
    check_page(page, "registro-verifica")

    page.get_by_role("button", name="Conferma l'importazione").click()

    expect(page.get_by_test_id("stato")).to_have_text("Completata")
    expect(page.get_by_test_id("esito").get_by_role("row", name="Sedi regionali")).to_contain_text("3")
    expect(page.get_by_role("button", name="Conferma l'importazione")).to_have_count(0)
    assert sorted(RegionalOffice.objects.values_list("code", flat=True)) == ["CAM", "LAZ", "LOM"]
    check_page(page, "registro-esito")

    page.get_by_role("link", name="Torna alle importazioni").click()
    history = page.get_by_test_id("importazioni")
    expect(history).to_contain_text("sedi.csv")
    expect(history).to_contain_text("Completata")
    expect(history).to_contain_text("Sara Galli")
    check_page(page, "registro-storico")
