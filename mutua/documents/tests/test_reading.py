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
    from mutua.documents.reading.ocr import Prepared
    from mutua.documents.reading.pages import Line, Page, Word

    looked_at: list[int] = []

    def reread(image, page, label):
        looked_at.append(page.number)

    monkeypatch.setattr(reading_module, "reread_lines", reread)
    line = Line([Word("Totale", (0.5, 0.5, 0.6, 0.52), 95)])
    once = Page(number=1, lines=[line], source="ocr", extra={"passes": 1})
    # Read sideways, its orientation searched and read again turned: three passes of Tesseract over the whole page.
    turned = Page(number=2, lines=[line], source="ocr", extra={"passes": 3})
    prepared = Prepared(image=Image.new("L", (10, 10), 255), angle=0.0)

    reading_module._second_look([(once, prepared), (turned, prepared)], {}, today=TODAY)

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


def test_a_value_read_on_its_own_is_the_one_piece_that_fits_the_field_and_nothing_when_unsure():
    from mutua.documents.reading.fields import value_from

    assert value_from("number", "2026/146199 - 0 .", today=TODAY) == "2026/146199"  # specks around it
    assert value_from("number", ",2026/696955 .", today=TODAY) == "2026/696955"
    assert value_from("number", "2026/1088 18", today=TODAY) is None  # two pieces with figures: which is it?
    assert value_from("number", "N.-70/A .", today=TODAY) == "70/A"  # a reading's number with letters: a vote
    assert value_from("number", "N:2026-469 . Data12/05/2926", today=TODAY) == "2026-469"  # a date is no other
    assert value_from("number", "28/09/2026", today=TODAY) is None  # a date is no number
    assert value_from("issue_date", "14-01-2026 .", today=TODAY) == "2026-01-14"
    assert value_from("issue_date", "28/0202", today=TODAY) is None
    future = TODAY + dt.timedelta(days=40)
    assert value_from("issue_date", f"{future:%d/%m/%Y}", today=TODAY) is None
    assert value_from("amount", "..18,80", today=TODAY) == "18.80"
    assert value_from("amount", "13615.0", today=TODAY) is None


def test_a_value_is_looked_for_right_of_its_label_up_to_the_next_column_and_not_after_any_n():
    from mutua.documents.reading.fields import value_boxes

    pages = _ocr_page(
        [
            [("Numero", 95), ("ricevuta", 90), ("-", 40), ("2026/1?6199", 20)],
            [("N.", 90), ("64", 40), ("Data", 96), ("7", 90), ("luglio", 95), ("2026", 95)],
            [("Operazione", 95), ("esente", 95), ("art.", 95), ("10", 95), ("n.", 95), ("18", 95)],
            [("Data12/O5/2026", 30)],
        ]
    )
    page = pages[0]
    number = value_boxes(page, "number")
    assert len(number) == 2  # "Numero ricevuta" and "N.", not "art. 10 n. 18"
    # Right of "ricevuta", 22 heights of its line wide at most (a value and the gap of a table before it).
    assert number[0][0] == pytest.approx(0.35) and number[0][2] == pytest.approx(0.35 + 0.02 * 22)
    assert number[1][0] == pytest.approx(0.2) and number[1][2] == pytest.approx(0.4)  # up to "Data"
    date = value_boxes(page, "issue_date")
    assert date[0][0] == pytest.approx(0.5)  # right of "Data"
    assert date[1][0] == pytest.approx(0.1 + 0.1 * 4 / 14)  # "Data" and its date read as one word
    assert value_boxes(page, "amount") == []


def test_blue_pen_is_taken_out_of_a_value_while_black_print_stays_even_after_jpeg():
    from PIL import ImageDraw

    from mutua.documents.reading.ocr import without_pen

    image = Image.new("RGB", (120, 40), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 40, 30), fill=(20, 20, 20))  # print
    draw.line([(60, 5), (110, 35)], fill=(20, 30, 90), width=2)  # the corpus's pen
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=65)
    clean = without_pen(Image.open(buffer))
    assert max(clean.getpixel((85, y)) for y in range(40)) == 255
    assert min(clean.getpixel((85, y)) for y in range(40)) > 150  # the stroke is gone
    assert clean.getpixel((25, 20)) < 40  # the print is not


def test_a_box_of_the_prepared_page_is_found_on_the_scan_however_it_was_turned_and_scaled():
    from PIL import ImageChops

    from mutua.documents.reading.ocr import Prepared, source_crop

    scan = Image.new("RGB", (400, 300), (255, 255, 255))
    scan.paste((0, 0, 0), (300, 200, 320, 220))
    turned = scan.convert("L").rotate(7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    image = turned.resize((turned.width * 2, turned.height * 2))
    ink = ImageChops.invert(image).point(lambda v: 255 if v > 128 else 0).getbbox()
    prepared = Prepared(image=image, angle=7.0, source=scan, turned_size=turned.size)
    crop = source_crop(prepared, (ink[0] - 20, ink[1] - 20, ink[2] + 20, ink[3] + 20))
    inside = ImageChops.invert(crop.convert("L")).point(lambda v: 255 if v > 128 else 0).getbbox()
    middle = ((inside[0] + inside[2]) / 2, (inside[1] + inside[3]) / 2)
    assert middle == pytest.approx((crop.width / 2, crop.height / 2), abs=1.5)  # the square, in the middle


def _ticket_without_its_number(monkeypatch, pen: str):
    """A clean ticket, `pen` drawn across its number ("" none, "zigzag" through every digit), read with both the
    first reading and the second look blind to the number: only the look at the value alone can find it."""
    from PIL import ImageDraw

    import mutua.documents.reading as reading_module
    from mutua.documents.reading.ocr import read_scan
    from mutua.documents.reading.pages import Line, Page

    doc = sample(11, layout="ticket", clean=True)
    scan = Image.open(io.BytesIO(doc.content)).convert("RGB")
    page, _ = read_scan(scan)
    value = next(w for line in page.lines for w in line.words if w.text == doc.truth.number)
    x0, y0, x1, y1 = (value.box[0] * scan.width, value.box[1] * scan.height, value.box[2] * scan.width,
                      value.box[3] * scan.height)  # fmt: skip
    if pen == "zigzag":  # the corpus's blue pen, 3 pixels wide at 200 dpi, up and down through every digit
        points = [(x0 - 20 + i * (x1 - x0 + 40) / 8, y0 if i % 2 else y1) for i in range(9)]
        ImageDraw.Draw(scan).line(points, fill=(20, 30, 90), width=3)
    buffer = io.BytesIO()
    scan.save(buffer, "JPEG", quality=65)

    def first_reading_without_the_number(image, *, number=1):
        page, prepared = read_scan(image, number=number)
        lines = [Line([w for w in line.words if "/" not in w.text]) for line in page.lines]
        page = Page(number=page.number, lines=[line for line in lines if line.words], width=page.width,
                    height=page.height, angle=page.angle, source=page.source, extra=page.extra)  # fmt: skip
        return page, prepared

    monkeypatch.setattr(reading_module, "read_scan", first_reading_without_the_number)
    monkeypatch.setattr(reading_module, "reread_lines", lambda image, page, label: None)
    return doc, value, document_read(buffer.getvalue(), "image/jpeg", today=TODAY)


@needs_tesseract
def test_a_number_both_readings_missed_is_read_from_its_value_alone_right_of_its_label(monkeypatch):
    doc, value, reading = _ticket_without_its_number(monkeypatch, pen="")

    assert values(reading)["number"] == doc.truth.number
    box = reading.proposals["number"].box
    assert box[0] <= (value.box[0] + value.box[2]) / 2 <= box[2]  # where the number is
    assert box[1] <= (value.box[1] + value.box[3]) / 2 <= box[3]


@needs_tesseract
def test_a_number_a_pen_stroke_runs_through_digit_by_digit_is_not_proposed_rather_than_guessed(monkeypatch):
    _doc, _value, reading = _ticket_without_its_number(monkeypatch, pen="zigzag")

    assert "number" not in reading.proposals


def test_a_short_number_read_from_its_value_alone_needs_every_vote(monkeypatch):
    import mutua.documents.reading as reading_module
    from mutua.documents.reading.ocr import Prepared
    from mutua.documents.reading.pages import Line, Page, Word

    line = Line([Word("N.", (0.1, 0.2, 0.13, 0.22), 90), Word("64", (0.15, 0.2, 0.18, 0.22), 40)])
    page = Page(number=1, lines=[line], width=1000, height=1000, source="ocr", extra={"passes": 1})
    prepared = Prepared(image=Image.new("L", (1000, 1000), 255), angle=0.0)
    versions: list[list[tuple[str, bool]]] = []
    monkeypatch.setattr(reading_module, "read_values", lambda prepared, boxes: versions)

    versions[:] = [[(".64", True), ("64", True), ("64.", True)]]  # with the first reading's "64": four votes
    assert reading_module._value_look([(page, prepared)], [None], {}, today=TODAY)["number"].value == "64"
    versions[:] = [[("64", True), ("64", True), ("", True)]]  # three
    assert reading_module._value_look([(page, prepared)], [None], {}, today=TODAY) == {}
    versions[:] = [[("64", True), ("64", True), ("64", True), ("84", True)]]  # one against
    assert reading_module._value_look([(page, prepared)], [None], {}, today=TODAY) == {}
    versions[:] = [[("2026/123456", True), ("2026/123456", True), ("2026/128456", True)]]  # a long one: two of three
    line.words[1] = Word("2026/1Z3456", (0.15, 0.2, 0.3, 0.22), 20)
    assert reading_module._value_look([(page, prepared)], [None], {}, today=TODAY)["number"].value == "2026/123456"
    versions[:] = [[("2026/123456", False), ("2026/128456", True), ("2026/123456", True)]]  # crossed by pen
    line.words[1] = Word("2026/123456", (0.15, 0.2, 0.3, 0.22), 20)  # read through the pen: no vote
    assert reading_module._value_look([(page, prepared)], [None], {}, today=TODAY) == {}


def test_votes_for_a_number_agree_whatever_separators_a_version_missed_and_the_form_read_with_them_is_proposed(
    monkeypatch,
):
    import mutua.documents.reading as reading_module
    from mutua.documents.reading.ocr import Prepared
    from mutua.documents.reading.pages import Line, Page, Word

    line = Line([Word("N.", (0.1, 0.2, 0.13, 0.22), 90), Word("im*", (0.15, 0.2, 0.3, 0.22), 10)])
    page = Page(number=1, lines=[line], width=1000, height=1000, source="ocr", extra={"passes": 1})
    prepared = Prepared(image=Image.new("L", (1000, 1000), 255), angle=0.0)
    # The thin "-" missed by one version: three votes for 2026-770 all the same.
    versions = [[("2026770", True), ("2026-770", True), ("2026-770 0", True)]]
    monkeypatch.setattr(reading_module, "read_values", lambda prepared, boxes: versions)

    assert reading_module._value_look([(page, prepared)], [None], {}, today=TODAY)["number"].value == "2026-770"


def test_the_second_look_enlarges_less_the_bands_that_would_outgrow_the_page(monkeypatch):
    import re

    from mutua.documents.reading import ocr
    from mutua.documents.reading.pages import Line, Page, Word

    widths: list[int] = []
    monkeypatch.setattr(ocr, "_tesseract", lambda image, *args: widths.append(image.width) or "")
    image = Image.new("L", (1000, 1000), 255)

    def page_with(rows):
        lines = [Line([Word("Totale", (0.1, top, 0.3, bottom), 90)]) for top, bottom in rows]
        return Page(number=1, lines=lines, width=1000, height=1000, source="ocr")

    ocr.reread_lines(image, page_with([(0.10, 0.12)]), re.compile("Totale"))
    # Lines run together by specks: half the page in bands, four times that once enlarged twice.
    ocr.reread_lines(image, page_with([(0.1, 0.2), (0.3, 0.4), (0.5, 0.6)]), re.compile("Totale"))

    assert widths == [2000, 1500]


def test_a_month_name_after_an_apostrophe_read_for_the_space_is_a_date_still():
    from mutua.documents.reading.fields import MONTHS, extract

    day = TODAY - dt.timedelta(days=200)
    month = next(name for name, n in MONTHS.items() if n == day.month)
    rows = [[("FATTURA", 96), ("N.", 96), ("100", 90)], [("Data", 36), (f"{day.day}'{month}", 62), (f"{day.year}", 93)]]
    assert extract(_ocr_page(rows), today=TODAY)["issue_date"].value == day.isoformat()


def test_right_after_its_data_label_a_date_read_with_commas_or_colons_is_a_date_but_nowhere_else():
    from mutua.documents.reading.fields import extract

    day = TODAY - dt.timedelta(days=240)
    odd = f"-_{day:%d},{day:%m}:{day:%Y}"  # a pen stroke through the separators
    rows = [[("RICEVUTA", 96)], [("Data", 97), (odd, 1), ("RE:", 15)]]
    assert extract(_ocr_page(rows), today=TODAY)["issue_date"].value == day.isoformat()
    rows[1] = [("Importo", 97), (f"{day:%d},{day:%m}:{day:%Y}", 90)]  # no label: an amount and junk, no date
    assert "issue_date" not in extract(_ocr_page(rows), today=TODAY)


def test_a_number_label_read_as_one_word_of_junk_counts_only_before_a_number_read_surely():
    from mutua.documents.reading.fields import extract

    number = f"{TODAY.year}/671371"
    rows = [[("RICEVUTA", 96), ("DI", 96), ("PAGAMENTO", 96)], [("NuMerprfiCev", 27), (number, 97), ("È", 35)]]
    assert extract(_ocr_page(rows), today=TODAY)["number"].value == number
    rows[1] = [("NuMerprfiCev", 27), (number, 70), ("È", 35)]  # read unsurely: nothing
    assert "number" not in extract(_ocr_page(rows), today=TODAY)
    rows[1] = [("Numerosissimi", 96), ("3", 97), ("esami", 96)]  # a word of the text, not a label
    assert "number" not in extract(_ocr_page(rows), today=TODAY)


def test_a_receipt_number_read_on_its_own_has_the_documento_commerciale_form():
    from mutua.documents.reading.fields import is_receipt, value_from

    assert value_from("number", "84214881", today=TODAY, receipt=True) == "8421-4881"  # its dash missed
    assert value_from("number", "8421-4881 .", today=TODAY, receipt=True) == "8421-4881"
    assert value_from("number", "5742-350387.", today=TODAY, receipt=True) is None  # not its form
    assert value_from("number", "84214881", today=TODAY) is None  # elsewhere, eight figures are no number
    assert is_receipt(_ocr_page([[("DOCUMENTO", 96), ("COMMERCIALE", 96)]])[0])
    assert not is_receipt(_ocr_page([[("FATTURA", 96), ("N.", 96), ("12", 96)]])[0])


def test_a_line_with_a_date_whose_year_was_not_read_gets_a_second_look():
    from mutua.documents.reading import REREAD_LABELS

    assert REREAD_LABELS["issue_date"].search("27-01- Ape 10087")  # a receipt's date, which has no label
    assert not REREAD_LABELS["issue_date"].search("FLUIMUCIL 600MG 10% 7,07")


def test_a_number_label_ending_in_a_letter_is_a_whole_word():
    from mutua.documents.reading.fields import extract

    rows = [[("RICEVUTA", 96)], [("Numerose", 96), ("3", 97), ("visite", 96)]]
    assert "number" not in extract(_ocr_page(rows), today=TODAY)  # not "se3"
    rows[1] = [("Numero", 96), ("3", 97)]
    assert extract(_ocr_page(rows), today=TODAY)["number"].value == "3"
    rows[1] = [(f"N.FT-{TODAY.year}/0606", 96)]  # a label ending in a dot, fused with the number
    assert extract(_ocr_page(rows), today=TODAY)["number"].value == f"FT-{TODAY.year}/0606"


def test_a_date_whose_year_is_read_in_the_future_takes_the_year_of_the_document_number_one_figure_away():
    from mutua.documents.reading.fields import extract, number_year, value_from

    year = TODAY.year
    misread = f"{year + 2}"  # "2028" for "2026": a 6 read as an 8 at 100 dpi, a day in the future
    rows = [[("FATTURA", 96)], [("N.", 95), (f"{year}-770", 92), ("Data", 91), (f"23.09.{misread}", 90)]]
    assert extract(_ocr_page(rows), today=TODAY)["issue_date"].value == f"{year}-09-23"
    rows[1][1] = ("770", 92)  # a number without its year: nothing to go by, the future date refused
    assert "issue_date" not in extract(_ocr_page(rows), today=TODAY)
    rows[1][1] = (f"{year - 10}-770", 92)  # the number's year two figures away from the date's: no year taken
    assert "issue_date" not in extract(_ocr_page(rows), today=TODAY)
    # A year read in the past is kept as read: the number's year only mends a date that would be refused.
    assert value_from("issue_date", f"12/05/{year - 1}", today=TODAY, number=f"{year}/469") == f"{year - 1}-05-12"
    assert value_from("issue_date", f"12/05/{year + 900}", today=TODAY, number=f"{year}/469") == f"{year}-05-12"
    assert value_from("issue_date", f"12/05/{year + 900}", today=TODAY, number=f"469/{year}") == f"{year}-05-12"
    assert value_from("issue_date", f"12/05/{year + 900}", today=TODAY) is None
    # Still a day not in the future once mended, and the number's year itself not in the future.
    assert value_from("issue_date", f"24/12/{year + 2}", today=TODAY, number=f"{year}/469") is None
    assert number_year(f"{year + 1}/469", TODAY) is None
    assert number_year(f"{year}469", TODAY) is None  # figures run together: no year to tell


def test_tesseract_gets_the_pixels_uncompressed_and_is_not_asked_to_read_unsure_lines_again_inverted(monkeypatch):
    import subprocess

    from mutua.documents.reading import ocr

    calls = []

    def run(command, **kwargs):
        calls.append((command, kwargs["input"]))
        return subprocess.CompletedProcess(command, 0, stdout=b"", stderr=b"")

    monkeypatch.setattr(ocr.subprocess, "run", run)
    page = Image.new("L", (20, 10), 255)
    page.putpixel((3, 4), 0)
    ocr._tesseract(page, "-l", "ita", "--psm", "6", "tsv")
    command, sent = calls[0]
    assert command[-5:] == ["-l", "ita", "--psm", "6", "tsv"]  # the output format last, as Tesseract wants it
    assert "tessedit_do_invert=0" in command
    assert sent.startswith(b"P5")  # PGM: no compression to pay for
    assert Image.open(io.BytesIO(sent)).tobytes() == page.tobytes()
    ocr._tesseract(page.convert("LA"), "tsv")  # a mode PGM cannot hold: sent grey
    assert Image.open(io.BytesIO(calls[1][1])).tobytes() == page.tobytes()
