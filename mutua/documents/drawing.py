"""Drawings made of a few shapes (rectangles, text, QR codes) rendered both on a PDF page and as SVG, so that a
preview in the browser looks exactly like the printed document (the membership card)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Literal

from reportlab.lib.colors import Color, black, white

from mutua.documents.pdf import FONT, FONT_BOLD, PdfDocument, draw_qr, pdf_text, qr_code

Anchor = Literal["start", "middle", "end"]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: Color | None = None
    stroke: Color | None = None


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline, from the bottom of the drawing
    text: str
    size: float
    bold: bool = False
    color: Color = black
    anchor: Anchor = "start"


@dataclass(frozen=True)
class Qr:
    x: float
    y: float
    size: float
    payload: str


@dataclass
class Layout:
    width: float
    height: float
    shapes: list[Rect | Text | Qr] = field(default_factory=list)


def layout_draw(pdf: PdfDocument, layout: Layout, *, x: float, y: float) -> None:
    """Draw the layout on the PDF's current page with its bottom-left corner at (x, y)."""
    canvas = pdf.canvas
    for shape in layout.shapes:
        if isinstance(shape, Rect):
            canvas.setLineWidth(0.6)
            if shape.fill is not None:
                canvas.setFillColor(shape.fill)
            if shape.stroke is not None:
                canvas.setStrokeColor(shape.stroke)
            canvas.rect(
                x + shape.x,
                y + shape.y,
                shape.w,
                shape.h,
                stroke=int(shape.stroke is not None),
                fill=int(shape.fill is not None),
            )
        elif isinstance(shape, Text):
            canvas.setFillColor(shape.color)
            canvas.setFont(FONT_BOLD if shape.bold else FONT, shape.size)
            draw = {"start": canvas.drawString, "middle": canvas.drawCentredString, "end": canvas.drawRightString}
            draw[shape.anchor](x + shape.x, y + shape.y, pdf_text(shape.text))
        else:
            canvas.setFillColor(white)
            draw_qr(canvas, shape.payload, x=x + shape.x, y=y + shape.y, size=shape.size)
    canvas.setFillColor(black)


def _hex(color: Color) -> str:
    red, green, blue = (round(c * 255) for c in (color.red, color.green, color.blue))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _qr_path(payload: str, *, size: float) -> tuple[int, str]:
    matrix = qr_code(payload).matrix
    count = len(matrix) + 4
    parts = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            parts.append(f"M{start + 2} {r + 2}h{c - start}v1h-{c - start}z")
    return count, "".join(parts)


def svg_shapes(shapes: list[Rect | Text | Qr], *, height: float) -> list[str]:
    """The shapes as SVG elements, in a drawing `height` points tall (SVG counts y from the top)."""
    H = height
    out = []
    for shape in shapes:
        if isinstance(shape, Rect):
            fill = _hex(shape.fill) if shape.fill is not None else "none"
            stroke = f' stroke="{_hex(shape.stroke)}" stroke-width="0.6"' if shape.stroke is not None else ""
            out.append(
                f'<rect x="{shape.x:.2f}" y="{H - shape.y - shape.h:.2f}" width="{shape.w:.2f}" '
                f'height="{shape.h:.2f}" fill="{fill}"{stroke}/>'
            )
        elif isinstance(shape, Text):
            weight = ' font-weight="bold"' if shape.bold else ""
            out.append(
                f'<text x="{shape.x:.2f}" y="{H - shape.y:.2f}" font-family="Helvetica, Arial, sans-serif" '
                f'font-size="{shape.size}"{weight} fill="{_hex(shape.color)}" text-anchor="{shape.anchor}">'
                f"{escape(shape.text)}</text>"
            )
        else:
            count, path = _qr_path(shape.payload, size=shape.size)
            scale = shape.size / count
            top = H - shape.y - shape.size
            out.append(
                f'<g transform="translate({shape.x:.2f} {top:.2f}) scale({scale:.4f})">'
                f'<rect width="{count}" height="{count}" fill="#ffffff"/><path d="{path}" fill="#000000"/></g>'
            )
    return out
