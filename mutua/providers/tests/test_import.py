"""manage.py import_providers: the documented example, idempotency, updates, bad rows reported by line."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mutua.audit.models import AuditEvent
from mutua.providers.models import Category, Provider

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "providers-example.csv"
HEADER = "nome,indirizzo,comune,provincia,latitudine,longitudine,categorie,forma_diretta,telefono\n"


def run(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_providers", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "strutture.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_imports_and_twice_changes_nothing():
    out, _ = run(EXAMPLE)
    assert "6 nuove, 0 aggiornate, 0 invariate" in out
    olbia = Provider.objects.get(province="OT")
    assert olbia.name == "Centro di Fisioterapia Gallura" and olbia.direct_form
    assert sorted(olbia.categories.values_list("name", flat=True)) == ["Fisioterapia", "Riabilitazione"]
    assert Provider.objects.get(city="Torino").direct_form is False
    before = list(Provider.objects.order_by("pk").values())
    out, _ = run(EXAMPLE)
    assert "0 nuove, 0 aggiornate, 6 invariate" in out
    assert list(Provider.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.filter(action="providers.import").count() == 2


def test_a_changed_row_updates_the_provider_in_place(tmp_path):
    run(write(tmp_path, HEADER + "Studio Rossi,Via Po 1,Torino,TO,45.07,7.68,Analisi,no,011 1\n"))
    out, _ = run(write(tmp_path, HEADER + "STUDIO ROSSI,via po 1,torino,to,45.08,7.69,Analisi|Fisioterapia,sì,011 2\n"))
    assert "0 nuove, 1 aggiornate" in out
    provider = Provider.objects.get()
    assert provider.latitude == Decimal("45.080000") and provider.direct_form and provider.phone == "011 2"
    assert sorted(provider.categories.values_list("name", flat=True)) == ["Analisi", "Fisioterapia"]


def test_categories_match_existing_ones_by_name_or_code_and_new_ones_are_created(tmp_path):
    Category.objects.create(slug="alta-diagnostica", name="Alta diagnostica")
    run(
        write(
            tmp_path, HEADER + "Centro,Via A 1,Milano,MI,45.4,9.1,ALTA DIAGNOSTICA|alta-diagnostica|Cardiologia,si,\n"
        )
    )
    assert sorted(Category.objects.values_list("slug", flat=True)) == ["alta-diagnostica", "cardiologia"]
    assert Provider.objects.get().categories.count() == 2


def test_semicolons_and_decimal_commas_as_italian_spreadsheets_save_them(tmp_path):
    text = HEADER.replace(",", ";") + "Centro;Via A 1;Milano;MI;45,464211;9,191383;Analisi;1;\n"
    run(write(tmp_path, text))
    assert Provider.objects.get().longitude == Decimal("9.191383")


def test_bad_rows_are_reported_in_italian_with_their_line_and_the_good_ones_imported(tmp_path):
    text = (
        HEADER
        + "Buona,Via A 1,Milano,MI,45.4,9.1,Analisi,sì,\n"
        + "Provincia sbagliata,Via B 2,Boh,XX,45.4,9.1,,no,\n"
        + ",Via C 3,Milano,MI,45.4,9.1,,no,\n"
        + "Coordinate,Via D 4,Milano,MI,abc,200,,forse,\n"
        + "Fuori Italia,Via E 5,Milano,MI,51.5,-0.12,,no,\n"
    )
    with pytest.raises(CommandError) as failure:
        run(write(tmp_path, text))
    assert failure.value.returncode == 1
    assert "Righe con errori: 4" in str(failure.value)
    assert list(Provider.objects.values_list("name", flat=True)) == ["Buona"]


def test_bad_rows_messages(tmp_path, capsys):
    text = HEADER + "X,Via B 2,Boh,XX,45.4,9.1,,no,\n" + "Y,Via D 4,Milano,MI,abc,9.1,,forse,\n"
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_providers", str(write(tmp_path, text)), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == "Riga 2: provincia «XX» sconosciuta."
    assert lines[1] == "Riga 3: latitudine «abc» non valida; forma diretta «forse» non valida (sì o no)."


def test_a_file_without_the_columns_is_refused_whole(tmp_path):
    with pytest.raises(CommandError) as failure:
        run(write(tmp_path, "name,address\nA,B\n"))
    assert failure.value.returncode == 2
    assert "Mancano le colonne: nome, indirizzo" in str(failure.value)
    assert not Provider.objects.exists()


def test_an_empty_or_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Il file è vuoto"):
        run(write(tmp_path, ""))
    with pytest.raises(CommandError, match="Impossibile leggere"):
        run(tmp_path / "manca.csv")
