"""The text a PDF carries (made by a program, not scanned), with where each word is on the page, read by pypdf."""

from __future__ import annotations

from typing import Any

from pypdf import PageObject, PdfReader

from mutua.documents.reading.pages import Page, Word, lines_from_words

MIN_CHARACTERS = 40  # fewer letters than this in the file: a scan with a stray text run, read it by OCR instead


def page_words(pdf_page: PageObject) -> list[Word]:
    box = pdf_page.mediabox
    width, height = float(box.width), float(box.height)
    left, bottom = float(box.left), float(box.bottom)
    words: list[Word] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4] - left
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5] - bottom
        points = (size or 1.0) * (abs(tm[3] * cm[3]) or 1.0)
        advance = points * 0.55  # an average glyph: the boxes are for highlighting, not typesetting
        position = 0
        for chunk in text.split(" "):
            if chunk.strip():
                x0 = x + position * advance
                x1 = x0 + len(chunk) * advance
                top, base = height - (y + points * 0.8), height - (y - points * 0.2)
                words.append(Word(chunk.strip(), (x0 / width, top / height, min(x1 / width, 1.0), base / height)))
            position += len(chunk) + 1

    pdf_page.extract_text(visitor_text=visit)
    return words


def text_layer_pages(reader: PdfReader, *, max_pages: int) -> list[Page] | None:
    """The pages' words from the text layer, or None when the PDF has (almost) no text: then it is a scan."""
    pages: list[Page] = []
    total = 0
    for index, pdf_page in enumerate(reader.pages[:max_pages]):
        words = page_words(pdf_page)
        total += sum(len(w.text) for w in words)
        pages.append(Page(number=index + 1, lines=lines_from_words(words), source="text"))
    if total < MIN_CHARACTERS:
        return None
    return pages
