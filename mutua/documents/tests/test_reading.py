"""Reading expense documents (issue 20): real PDFs and scanned images drawn by the corpus generator, read by the
real pypdf and Tesseract; the values proposed are the printed ones, with where they are, or nothing."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bench.ocr.corpus import sample
from mutua.documents.reading import document_read
from mutua.documents.reading.fields import fiscal_code_fix, partita_iva_fix

TODAY = dt.date(2026, 12, 7)
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract is missing: apt-get install -y tesseract-ocr tesseract-ocr-ita"
)


def values(reading):
    return {name: p.value for name, p in reading.proposals.items()}


def truth_of(doc):
    t = doc.truth
    return {
        "doc_type": t.doc_type,
        "number": t.number,
        "issue_date": t.date,
        "amount": t.amount,
        "provider_tax_code": t.provider_tax_code,
        "provider_province": t.province,
        "patient_fiscal_code": t.patient_fiscal_code,
    }


def test_a_pdf_with_text_is_read_from_its_text_layer_with_every_field_where_it_is_printed():
    doc = sample(3, layout="studio", text_layer=True)
    reading = document_read(doc.content, doc.content_type, today=TODAY)
    assert reading.method == "text"
    got = values(reading)
    for name, value in truth_of(doc).items():
        assert got.get(name) == value, name
    assert got["provider_name"] == doc.truth.provider_name
    amount = reading.proposals["amount"].box
    assert 0.5 < amount[0] < amount[2] <= 1 and 0.2 < amount[1] < amount[3] < 1  # right-hand side, below the header
    name = reading.proposals["provider_name"].box
    assert name[1] < 0.15  # the letterhead


@needs_tesseract
@pytest.mark.parametrize("layout", ["studio", "ricevuta", "scontrino"])
def test_a_scanned_receipt_is_read_by_ocr(layout):
    doc = sample(11, layout=layout, clean=True)
    reading = document_read(doc.content, doc.content_type, today=TODAY)
    assert reading.method == "ocr"
    got, truth = values(reading), truth_of(doc)
    for name in ("amount", "issue_date", "number", "provider_tax_code"):
        assert got.get(name) == truth[name], name
    box = reading.proposals["amount"].box
    assert all(0 <= v <= 1 for v in box) and box[0] < box[2] and box[1] < box[3]


@needs_tesseract
def test_a_scan_turned_by_seven_degrees_is_straightened_before_reading():
    doc = sample(5, layout="studio", clean=True)
    turned = Image.open(io.BytesIO(doc.content)).rotate(7, expand=True, fillcolor="white")
    buffer = io.BytesIO()
    turned.save(buffer, "JPEG", quality=85)
    reading = document_read(buffer.getvalue(), "image/jpeg", today=TODAY)
    assert reading.page_angles[0] == pytest.approx(-7, abs=0.75)
    assert values(reading).get("amount") == doc.truth.amount
    assert values(reading).get("issue_date") == doc.truth.date


@needs_tesseract
@pytest.mark.parametrize("turn", [90, 270])
def test_a_scan_lying_on_its_side_is_turned_the_right_way_up_before_reading(turn):
    doc = sample(5, layout="studio", clean=True)
    turned = Image.open(io.BytesIO(doc.content)).rotate(turn, expand=True)
    buffer = io.BytesIO()
    turned.save(buffer, "JPEG", quality=85)
    reading = document_read(buffer.getvalue(), "image/jpeg", today=TODAY)
    assert values(reading).get("amount") == doc.truth.amount
    assert values(reading).get("issue_date") == doc.truth.date
    name = reading.proposals["provider_name"].box
    assert name[1] < 0.15 and name[2] - name[0] > name[3] - name[1]  # the letterhead, at the top, across the page


def test_a_page_read_upright_is_told_from_one_read_on_its_side_by_its_flat_confident_words():
    from mutua.documents.reading.ocr import upright
    from mutua.documents.reading.pages import Line, Word

    names = ["FATTURA", "Totale", "documento", "Paziente", "Marca", "bollo"]

    def page(*, flat: bool, confidence: float = 95, junk: int = 0):
        words = []
        for n, text in enumerate(names):
            x, y = 0.1, 0.05 + n * 0.1
            box = (x, y, x + 0.2, y + 0.02) if flat else (x, y, x + 0.02, y + 0.08)
            words.append(Word(text, box, confidence))
        words += [Word("-=’", (0.5, 0.01 * n, 0.51, 0.01 * n + 0.005), 30) for n in range(junk)]
        return [Line([w]) for w in words]

    # A noisy scan read the right way up: its words are there, however many specks read as junk around them.
    assert upright(page(flat=True, junk=80), 1800, 2500)
    # Read on its side (words taller than wide) or unsure of every word: turn it.
    assert not upright(page(flat=False), 1800, 2500)
    assert not upright(page(flat=True, confidence=40), 1800, 2500)
    assert not upright([], 1800, 2500)


@needs_tesseract
def test_a_blank_scan_proposes_nothing():
    buffer = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(buffer, "JPEG")
    assert document_read(buffer.getvalue(), "image/jpeg", today=TODAY).proposals == {}


def _pdf(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for n, line in enumerate(lines):
        pdf.drawString(60, 780 - n * 20, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_two_different_totals_and_a_future_date_are_not_proposed():
    content = _pdf(
        [
            "Studio Medico Aurora",
            "Via Roma 1, 00185 Roma (RM)  P.IVA 12345670017",
            "FATTURA N. 12/2026 del 15/12/2026",
            "Totale documento 120,00",
            "Totale documento 150,00",
        ]
    )
    got = values(document_read(content, "application/pdf", today=dt.date(2026, 12, 7)))
    assert "amount" not in got and "issue_date" not in got
    assert got["number"] == "12/2026"
    assert got["provider_tax_code"] == "12345670017" and got["provider_province"] == "RM"


def test_a_tax_code_with_a_wrong_check_digit_is_not_proposed():
    content = _pdf(["Studio Medico Aurora", "P.IVA 12345670018", "FATTURA N. 1 del 01/03/2026", "Totale 80,00"])
    got = values(document_read(content, "application/pdf", today=TODAY))
    assert "provider_tax_code" not in got
    assert got["amount"] == "80.00" and got["issue_date"] == "2026-03-01"


def test_ocr_slips_in_a_codice_fiscale_are_put_back_only_when_the_check_character_then_holds():
    assert fiscal_code_fix("RSSMRA85T1OA562S") == "RSSMRA85T10A562S"  # O read for 0
    assert fiscal_code_fix("RSSMRA85T10A562X") is None  # a wrong check character stays wrong
    assert partita_iva_fix("I2345670017") == "12345670017"
    assert partita_iva_fix("12345670018") is None


def test_a_coloured_stamp_fades_to_paper_while_the_black_print_under_it_stays_dark():
    from mutua.documents.reading.ocr import _gray

    image = Image.new("RGB", (40, 10), (250, 248, 240))  # slightly tinted paper
    image.paste((94, 109, 191), (0, 0, 10, 10))  # a blue stamp's ink on bare paper
    image.paste((35, 50, 132), (10, 0, 20, 10))  # black print under the blue ink
    image.paste((20, 20, 20), (20, 0, 30, 10))  # black print
    gray = _gray(image)
    assert gray.getpixel((5, 5)) == 255
    assert gray.getpixel((15, 5)) < 80
    assert gray.getpixel((25, 5)) < 40
    assert gray.getpixel((35, 5)) == 248  # the tinted paper is left as it is


@needs_tesseract
def test_a_number_the_first_reading_missed_is_proposed_after_a_closer_look_at_its_labelled_line(monkeypatch):
    import re

    import mutua.documents.reading as reading_module
    from mutua.documents.reading.fields import extract
    from mutua.documents.reading.ocr import read_scan
    from mutua.documents.reading.pages import Line, Page

    doc = sample(11, layout="studio", clean=True)
    first_pages: list[Page] = []

    def hidden(word) -> bool:
        text = word.text.strip(".,;:")
        return bool(re.search(r"\d", text)) and text.upper() in doc.truth.number.upper()

    def first_reading_without_the_number(image, *, number=1):
        # The first reading as if a pen stroke had hidden the invoice's number: its label ("N.") is read, the number
        # is not (its words are gone), the rest of the page as read.
        page, prepared = read_scan(image, number=number)
        lines = [Line([w for w in line.words if not hidden(w)]) for line in page.lines]
        page = Page(number=page.number, lines=[line for line in lines if line.words], width=page.width,
                    height=page.height, angle=page.angle, source=page.source)  # fmt: skip
        first_pages.append(page)
        return page, prepared

    monkeypatch.setattr(reading_module, "read_scan", first_reading_without_the_number)

    reading = document_read(doc.content, doc.content_type, today=TODAY)

    assert "number" not in extract(first_pages, today=TODAY)  # the first reading alone proposes no number
    assert values(reading)["number"] == doc.truth.number  # the second look at the labelled line reads it
    label = next(line for line in first_pages[0].lines if re.search(r"(?i)\bn\s?[.°:]", line.text))
    box = reading.proposals["number"].box
    assert label.box[1] - 0.01 <= (box[1] + box[3]) / 2 <= label.box[3] + 0.01  # where the label is
    assert values(reading)["amount"] == doc.truth.amount  # what the first reading found is kept
    assert values(reading)["issue_date"] == doc.truth.date


def test_the_second_look_is_for_pages_read_once_whatever_the_machine_load(monkeypatch):
    import mutua.documents.reading as reading_module
    from mutua.documents.reading.pages import Line, Page, Word

    looked_at: list[int] = []

    def reread(image, page, label):
        looked_at.append(page.number)

    monkeypatch.setattr(reading_module, "reread_lines", reread)
    line = Line([Word("Totale", (0.5, 0.5, 0.6, 0.52), 95)])
    once = Page(number=1, lines=[line], source="ocr", extra={"passes": 1})
    # Read sideways, its orientation searched and read again turned: three passes of Tesseract over the whole page.
    turned = Page(number=2, lines=[line], source="ocr", extra={"passes": 3})
    image = Image.new("L", (10, 10), 255)

    reading_module._second_look([(once, image), (turned, image)], {}, today=TODAY)

    assert looked_at == [1]  # the page read once is looked at again, the page already read three times is not


def _ocr_page(rows: list[list[tuple[str, float]]]):
    """A page as Tesseract could read it: each row's words with their confidence, one row a line."""
    from mutua.documents.reading.pages import Line, Page, Word

    lines = []
    for n, row in enumerate(rows):
        top = 0.05 + n * 0.03
        words = [
            Word(text, (0.1 + i * 0.15, top, 0.2 + i * 0.15, top + 0.02), conf) for i, (text, conf) in enumerate(row)
        ]
        lines.append(Line(words))
    return [Page(number=1, lines=lines, source="ocr")]


def test_of_two_totals_the_one_read_surely_and_printed_again_is_proposed_not_the_one_half_hidden():
    from mutua.documents.reading.fields import extract

    rows = [
        [("FARMACIA", 95), ("SANTA", 95), ("CHIARA", 95)],
        [("ENTEROGERMINA", 90), ("10%", 90), ("3,95", 92)],
        [("TOTALE", 96), ("COMPLESSIVO", 96), ("8,95", 55)],  # a pen stroke across the 3
        [("PAGAMENTO", 96), ("ELETTRONICO", 96), ("3,95", 92)],
    ]
    assert extract(_ocr_page(rows), today=TODAY)["amount"].value == "3.95"
    rows[1] = [("ENTEROGERMINA", 90), ("10%", 90)]  # printed nowhere else: unsure, nothing proposed
    assert "amount" not in extract(_ocr_page(rows), today=TODAY)
    rows[2] = [("TOTALE", 96), ("COMPLESSIVO", 96), ("8,95", 91)]  # both read surely: unsure, nothing proposed
    assert "amount" not in extract(_ocr_page(rows), today=TODAY)


def test_a_date_after_the_number_label_is_no_number_when_the_number_itself_is_unreadable():
    from mutua.documents.reading.fields import extract

    got = extract(_ocr_page([[("FATTURA", 96), ("N.", 96), ("del", 96), ("05/04/2026", 96)]]), today=TODAY)
    assert "number" not in got
    assert got["issue_date"].value == "2026-04-05"
