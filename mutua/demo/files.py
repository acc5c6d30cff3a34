"""Small real files for demo attachments: a one-page PDF (ReportLab) and a JPEG "photo" of a document (Pillow).

Both are byte-for-byte reproducible, so the same seed gives the same hashes.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen import canvas


def document_pdf(*, title: str, lines: list[str]) -> bytes:
    """A one-page A5 PDF with a bold title and a few lines of text."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A5, invariant=True, pageCompression=1)
    pdf.setTitle(title)
    width, height = A5
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(40, height - 60, title)
    pdf.setFont("Helvetica", 10)
    y = height - 90
    for line in lines:
        pdf.drawString(40, y, line)
        y -= 16
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(40, 30, "Documento dimostrativo generato da mutua: non ha valore fiscale.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def document_jpeg(*, title: str, lines: list[str]) -> bytes:
    """A 640×440 JPEG that looks like a photographed paper document."""
    image = Image.new("RGB", (640, 440), (244, 241, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 623, 423), outline=(190, 186, 176), width=2)
    draw.text((36, 34), title, fill=(25, 25, 25), font=_font(26))
    y = 90
    for line in lines:
        # Pillow's bundled font has no euro sign.
        draw.text((36, y), line.replace("€", "EUR"), fill=(55, 55, 55), font=_font(17))
        y += 28
    draw.text((36, 396), "Documento dimostrativo: non ha valore fiscale.", fill=(120, 120, 120), font=_font(13))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=70)
    return output.getvalue()
