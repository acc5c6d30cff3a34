"""The shared A4 layout: real PDFs, the mutual's header and footer on every page, Italian text, vector QR codes."""

from __future__ import annotations

import io

import pytest
import segno
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from mutua.documents.pdf import FONT, Column, PdfDocument, Row, pdf_text, qr_code, wrap
from mutua.documents.tests.pdfread import page_texts, qr_matrices, read

A4_POINTS = (595.28, 841.89)


def test_a_document_is_a4_with_the_mutuals_header_and_footer(settings):
    settings.MUTUA_NAME = "Società di Mutuo Soccorso Esempio"
    settings.MUTUA_INFOCENTER_EMAIL = "aiuto@mutua.example"
    pdf = PdfDocument(title="Documento di prova", footer_note="Nota a piè di pagina")
    pdf.heading("Prova")
    pdf.paragraph("Una riga.")
    data = pdf.finish()

    reader = read(data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS
    text = page_texts(data)[0]
    for expected in ("Società di Mutuo Soccorso Esempio", "Documento di prova", "aiuto@mutua.example"):
        assert expected in text
    assert "Pagina 1 di 1" in text and "Nota a piè di pagina" in text
    assert reader.metadata is not None and reader.metadata.title == "Documento di prova"


def test_content_flows_onto_new_pages_each_numbered_out_of_the_total():
    pdf = PdfDocument(title="Lungo")
    for n in range(200):
        pdf.paragraph(f"Riga numero {n}")
    texts = page_texts(pdf.finish())

    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Pagina {number} di {len(texts)}" in text
        assert "Mutua Esempio SMS" in text
    joined = "\n".join(texts)
    assert all(f"Riga numero {n}\n" in joined + "\n" for n in range(200))


def test_a_table_repeats_its_column_titles_on_every_page_it_spans():
    pdf = PdfDocument(title="Tabella")
    columns = [Column("N.", 30), Column("Voce", 300), Column("Importo", 100, align="right")]
    pdf.table(columns, (Row(cells=[str(n), f"Voce {n}", "€ 1,00"], note=f"nota {n}") for n in range(120)))
    texts = page_texts(pdf.finish())

    assert len(texts) >= 3
    assert all("Voce" in t and "Importo" in t for t in texts)
    assert "Voce 119" in texts[-1] and "nota 119" in texts[-1]


def test_italian_accents_dashes_and_the_euro_sign_are_kept():
    pdf = PdfDocument(title="Accenti")
    pdf.paragraph("Società – perché più così: € 1.234,56 «città» È")
    assert "Società – perché più così: € 1.234,56 «città» È" in page_texts(pdf.finish())[0]


def test_letters_helvetica_lacks_become_their_base_letter():
    assert pdf_text("Ștefan Łukasz Đorđe Őrs") == "Stefan Lukasz Dorde Ors"
    assert pdf_text("办公室 😀") == "??? ?"
    assert pdf_text("Niccolò D'Angelo") == "Niccolò D'Angelo"


def test_wrap_splits_words_longer_than_the_column():
    name = "fattura-" + "x" * 200 + ".pdf"
    lines = wrap(f"File: {name}", width=120, size=8)
    assert len(lines) > 3
    assert all(stringWidth(line, FONT, 8) <= 120 for line in lines)
    assert "".join(lines).replace("File:", "File: ", 1) == f"File: {name}"


@pytest.mark.parametrize("payload", ["https://soci.mutua.example/verifica/K7QM-2XPA-JRTB-4HCN/", "Società € 1,00"])
def test_a_qr_code_is_drawn_as_vectors_with_the_modules_of_its_payload(payload, settings):
    settings.MUTUA_PDF_LOGO = ""  # the only bitmap a PDF may hold is the logo
    pdf = PdfDocument(title="QR")
    pdf.qr(payload, x=400, y=600, size=90)
    data = pdf.finish()

    assert qr_matrices(data) == [[list(row) for row in segno.make(payload, error="m", micro=False).matrix]]
    assert b"/Subtype /Image" not in data  # vectors, not a bitmap


def test_the_logo_heads_every_page_and_is_stored_once(settings):
    settings.MUTUA_PDF_LOGO = "img/logo.png"
    pdf = PdfDocument(title="Logo")
    pdf.new_page()
    data = pdf.finish()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    assert all(len(page.images) == 1 for page in reader.pages)
    one_page = PdfDocument(title="Logo").finish()
    assert data.count(b"/Subtype /Image") == one_page.count(b"/Subtype /Image")  # the picture is not repeated


def test_without_a_logo_the_header_is_the_name_alone(settings):
    settings.MUTUA_PDF_LOGO = "img/non-esiste.png"
    data = PdfDocument(title="Senza logo").finish()
    assert b"/Subtype /Image" not in data
    assert "Mutua" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_the_same_qr_shown_twice_is_stored_once():
    pdf = PdfDocument(title="QR")
    pdf.qr("https://example.org/", x=400, y=600, size=90)
    pdf.new_page()
    pdf.qr("https://example.org/", x=400, y=600, size=90)
    data = pdf.finish()

    assert len(qr_matrices(data, page=0)) == len(qr_matrices(data, page=1)) == 1
    assert data.count(b"/Subtype /Form") == 1
    assert qr_code("https://example.org/") is qr_code("https://example.org/")
