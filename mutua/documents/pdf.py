"""The A4 layout shared by every PDF the mutual issues: header, footer with page numbers, flowing text and QR codes.

Drawn straight on a ReportLab canvas (no Platypus) to stay within the 30 ms budget per document
(docs/architecture.md, Performance budgets). Text is set in Helvetica, whose WinAnsi encoding covers Italian
accents, "€" and typographic dashes; other characters are reduced to their base letter.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 42.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_HEIGHT = 46.0  # from the top edge of the page to where content starts
FOOTER_HEIGHT = 48.0  # from the bottom edge of the page to where content must stop

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
GREY = Color(0.35, 0.35, 0.35)
RULE = Color(0.75, 0.75, 0.75)
PRIMARY = Color(0.0, 0.4, 0.8)  # Bootstrap Italia's primary blue, as in the portal

Align = Literal["left", "right"]
# Letters of names met in Italy whose base letter Unicode does not give by decomposition.
_NO_DECOMPOSITION = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t"}


@lru_cache(maxsize=4)
def _logo(static_path: str) -> ImageReader | None:
    """The mutual's logo for the PDF header, read once per process; None when the setting names no readable image."""
    if not static_path:
        return None
    path = finders.find(static_path)
    if not path or isinstance(path, list):
        return None
    try:
        return ImageReader(path)
    except OSError:
        return None


def pdf_text(text: object) -> str:
    """`text` reduced to what Helvetica can show: "Ș" becomes "S", anything else without a base letter "?"."""
    value = str(text)
    try:
        value.encode("cp1252")
        return value
    except UnicodeEncodeError:
        pass
    out = []
    for char in value:
        try:
            char.encode("cp1252")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        base = _NO_DECOMPOSITION.get(char) or "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        try:
            base.encode("cp1252")
            out.append(base or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def wrap(text: str, *, width: float, font: str = FONT, size: float = 10) -> list[str]:
    """Break `text` into lines no wider than `width` points, splitting words longer than a line (file names)."""
    lines: list[str] = []
    for paragraph in pdf_text(text).splitlines() or [""]:
        if stringWidth(paragraph, font, size) <= width:  # most cells: one measure, one line
            lines.append(paragraph)
            continue
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            while stringWidth(word, font, size) > width:  # a single word wider than the column
                cut = len(word) - 1
                while cut > 1 and stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@lru_cache(maxsize=512)
def qr_code(payload: str) -> segno.QRCode:
    """The QR code for `payload` (error correction M); cached because the same document is downloaded again."""
    return segno.make(payload, error="m", micro=False)


@lru_cache(maxsize=512)
def _qr_operators(payload: str, border: int) -> tuple[int, str]:
    """The modules across the symbol with its quiet zone, and PDF operators filling its dark modules in module units.

    Dark modules of a row are merged into one rectangle. Written as integers, once per payload: ReportLab's
    own path methods format every coordinate as a float and would cost more than the rest of the page.
    """
    matrix = qr_code(payload).matrix
    count = len(matrix) + 2 * border
    ops = []
    for row_index, row in enumerate(matrix):
        bottom = count - border - row_index - 1
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            ops.append(f"{start + border} {bottom} {col - start} 1 re")
    ops.append("f")
    return count, "\n".join(ops)


def draw_qr(canvas: Canvas, payload: str, *, x: float, y: float, size: float, border: int = 2) -> segno.QRCode:
    """Draw the QR code of `payload` as vector squares in a size×size box whose lower-left corner is (x, y).

    The symbol is a Form XObject whose name starts with "qr", defined once per document however often it is
    shown (a test reads the modules back from it).
    """
    name = "qr" + hashlib.sha256(f"{size}:{border}:{payload}".encode()).hexdigest()[:16]
    if not canvas.hasForm(name):
        count, operators = _qr_operators(payload, border)
        canvas.beginForm(name, lowerx=0, lowery=0, upperx=size, uppery=size)
        canvas.setFillColor(black)
        canvas.scale(size / count, size / count)
        canvas.addLiteral(operators)
        canvas.endForm()
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(name)
    canvas.restoreState()
    return qr_code(payload)


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: Align = "left"


@dataclass(frozen=True)
class Row:
    """One table row: a text per column, and an optional note in small type under all columns but the first."""

    cells: Sequence[str]
    note: str = ""


class _NumberedCanvas(Canvas):
    """Holds every page until the end, so each footer can say "Pagina 2 di 5"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.decorate: Any = None  # callable(canvas, page_number, page_count), set by PdfDocument

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if self.decorate is not None:
                self.decorate(self, number, count)
            super().showPage()
        super().save()


class PdfDocument:
    """An A4 document of the mutual that flows onto new pages as content is added; `finish()` returns the bytes.

    Every page carries the mutual's name and the document title at the top, and at the bottom the infocenter
    address, an optional note (a verification code) and "Pagina n di m".
    """

    def __init__(self, *, title: str, subject: str = "", footer_note: str = "") -> None:
        self.title = pdf_text(title)
        self.footer_note = pdf_text(footer_note)
        self._buffer = io.BytesIO()
        self.canvas = _NumberedCanvas(self._buffer, pagesize=A4, pageCompression=1, invariant=0)
        self.canvas.decorate = self._decorate
        self.canvas.setTitle(self.title)
        self.canvas.setAuthor(pdf_text(settings.MUTUA_NAME))
        self.canvas.setSubject(pdf_text(subject or title))
        self.canvas.setCreator("mutua")
        self.page_number = 1
        self._repeat: list[Column] | None = None  # a table header to repeat on the next page
        self.y = PAGE_HEIGHT - HEADER_HEIGHT

    # Page flow

    @property
    def bottom(self) -> float:
        return FOOTER_HEIGHT

    def new_page(self) -> None:
        self.canvas.showPage()
        self.page_number += 1
        self.y = PAGE_HEIGHT - HEADER_HEIGHT
        if self._repeat is not None:
            self._table_header(self._repeat)

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` points still fit above the footer."""
        if self.y - height < self.bottom:
            self.new_page()

    def space(self, height: float) -> None:
        self.y -= height

    # Content

    def heading(self, text: str, *, size: float = 16) -> None:
        lines = wrap(text, width=CONTENT_WIDTH, font=FONT_BOLD, size=size)
        self.ensure(len(lines) * size * 1.25 + 3 * size)  # never leave a heading alone at the foot of a page
        self.canvas.setFillColor(black)
        self.canvas.setFont(FONT_BOLD, size)
        for line in lines:
            self.y -= size * 1.25
            self.canvas.drawString(MARGIN, self.y, line)
        self.y -= size * 0.5

    def paragraph(
        self, text: str, *, size: float = 10, bold: bool = False, color: Color = black, width: float = CONTENT_WIDTH
    ) -> None:
        font = FONT_BOLD if bold else FONT
        leading = size * 1.35
        for line in wrap(text, width=width, font=font, size=size):
            self.ensure(leading)
            self.y -= leading
            self.canvas.setFillColor(color)
            self.canvas.setFont(font, size)
            self.canvas.drawString(MARGIN, self.y, line)
        self.canvas.setFillColor(black)

    def fields(
        self,
        items: Iterable[tuple[str, str]],
        *,
        label_width: float = 150,
        width: float = CONTENT_WIDTH,
        size: float = 10,
    ) -> None:
        """Label: value lines, labels in grey in a column of their own, values wrapped beside them."""
        leading = size * 1.45
        for label, value in items:
            labels = wrap(label, width=label_width - 8, size=size)
            values = wrap(value, width=width - label_width, font=FONT_BOLD, size=size)
            height = max(len(labels), len(values)) * leading
            self.ensure(height)
            for i, line in enumerate(labels):
                self.canvas.setFillColor(GREY)
                self.canvas.setFont(FONT, size)
                self.canvas.drawString(MARGIN, self.y - (i + 1) * leading, line)
            for i, line in enumerate(values):
                self.canvas.setFillColor(black)
                self.canvas.setFont(FONT_BOLD, size)
                self.canvas.drawString(MARGIN + label_width, self.y - (i + 1) * leading, line)
            self.y -= height
        self.canvas.setFillColor(black)

    def table(self, columns: Sequence[Column], rows: Iterable[Row], *, size: float = 9) -> None:
        """Rows that flow across pages; the column titles are repeated at the top of every page the table spans."""
        leading = size * 1.3
        note_size = size - 1
        note_width = sum(c.width for c in columns[1:]) - 4
        self.ensure(3 * leading + 8)
        self._table_header(columns, size=size)
        self._repeat = list(columns)
        for row in rows:
            cells = [wrap(text, width=col.width - 6, size=size) for text, col in zip(row.cells, columns, strict=True)]
            notes = wrap(row.note, width=note_width, size=note_size) if row.note else []
            height = max(len(c) for c in cells) * leading + len(notes) * note_size * 1.3 + 6
            self.ensure(height)
            top = self.y
            self.canvas.setFillColor(black)
            self.canvas.setFont(FONT, size)
            x = MARGIN
            for lines, col in zip(cells, columns, strict=True):
                for i, line in enumerate(lines):
                    baseline = top - (i + 1) * leading
                    if col.align == "right":
                        self.canvas.drawRightString(x + col.width - 3, baseline, line)
                    else:
                        self.canvas.drawString(x + 3, baseline, line)
                x += col.width
            if notes:
                self.canvas.setFillColor(GREY)
                self.canvas.setFont(FONT, note_size)
                note_top = top - max(len(c) for c in cells) * leading
                for i, line in enumerate(notes):
                    self.canvas.drawString(MARGIN + columns[0].width + 3, note_top - (i + 1) * note_size * 1.3, line)
            self.y = top - height
            self.canvas.setStrokeColor(RULE)
            self.canvas.setLineWidth(0.5)
            self.canvas.line(MARGIN, self.y + 2, MARGIN + sum(c.width for c in columns), self.y + 2)
        self._repeat = None
        self.canvas.setFillColor(black)

    def total_line(self, label: str, value: str, *, size: float = 10.5) -> None:
        """A bold label at the left margin and its value against the right margin, under the last table column."""
        self.ensure(size * 2)
        self.y -= size * 1.5
        self.canvas.setFillColor(black)
        self.canvas.setFont(FONT_BOLD, size)
        self.canvas.drawString(MARGIN + 3, self.y, pdf_text(label))
        self.canvas.drawRightString(MARGIN + CONTENT_WIDTH - 3, self.y, pdf_text(value))
        self.y -= size * 0.5

    def qr(self, payload: str, *, x: float, y: float, size: float) -> segno.QRCode:
        return draw_qr(self.canvas, payload, x=x, y=y, size=size)

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self._buffer.getvalue()

    # Page furniture

    def _table_header(self, columns: Sequence[Column], *, size: float = 9) -> None:
        leading = size * 1.3
        self.canvas.setFillColor(GREY)
        self.canvas.setFont(FONT_BOLD, size)
        x = MARGIN
        for col in columns:
            title = pdf_text(col.title)
            if col.align == "right":
                self.canvas.drawRightString(x + col.width - 3, self.y - leading, title)
            else:
                self.canvas.drawString(x + 3, self.y - leading, title)
            x += col.width
        self.y -= leading + 4
        self.canvas.setStrokeColor(black)
        self.canvas.setLineWidth(0.8)
        self.canvas.line(MARGIN, self.y, MARGIN + sum(c.width for c in columns), self.y)
        self.canvas.setFillColor(black)

    def _decorate(self, canvas: Canvas, number: int, count: int) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - 26
        logo = _logo(settings.MUTUA_PDF_LOGO)
        name_x = MARGIN
        if logo is not None:
            canvas.drawImage(logo, MARGIN, top - 4, width=16, height=16, mask="auto")
            name_x += 21
        canvas.setFillColor(PRIMARY)
        canvas.setFont(FONT_BOLD, 11)
        canvas.drawString(name_x, top, pdf_text(settings.MUTUA_NAME))
        canvas.setFillColor(GREY)
        canvas.setFont(FONT, 8.5)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, self.title)
        canvas.setStrokeColor(PRIMARY)
        canvas.setLineWidth(1)
        canvas.line(MARGIN, top - 7, PAGE_WIDTH - MARGIN, top - 7)

        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, FOOTER_HEIGHT - 12, PAGE_WIDTH - MARGIN, FOOTER_HEIGHT - 12)
        canvas.setFillColor(GREY)
        canvas.setFont(FONT, 8)
        infocenter = _("Infocenter: %(email)s") % {"email": settings.MUTUA_INFOCENTER_EMAIL}
        canvas.drawString(MARGIN, FOOTER_HEIGHT - 24, pdf_text(infocenter))
        page = _("Pagina %(number)d di %(count)d") % {"number": number, "count": count}
        canvas.drawRightString(PAGE_WIDTH - MARGIN, FOOTER_HEIGHT - 24, pdf_text(page))
        if self.footer_note:
            canvas.drawString(MARGIN, FOOTER_HEIGHT - 35, self.footer_note)
        canvas.restoreState()
