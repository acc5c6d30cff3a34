"""Small real files for upload tests: a PDF made by ReportLab and a JPEG and TIFF made by Pillow."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reportlab.pdfgen import canvas


def pdf_bytes(text: str = "Fattura n. 1") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, 200).save(buf, format=fmt)
    return buf.getvalue()


def pdf_upload(name: str = "fattura.pdf", text: str = "Fattura n. 1") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def jpeg_upload(name: str = "scontrino.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG"), content_type="image/jpeg")


def tiff_upload(name: str = "scansione.tiff") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("TIFF"), content_type="image/tiff")


def fake_pdf_upload(name: str = "virus.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")


def html_as_jpeg_upload(name: str = "foto.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def oversize_pdf_upload(name: str = "grande.pdf") -> SimpleUploadedFile:
    data = pdf_bytes()
    return SimpleUploadedFile(name, data + b"%" * (2 * 1024 * 1024 + 1 - len(data)), content_type="application/pdf")


def empty_upload(name: str = "vuoto.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"", content_type="application/pdf")


def invoice_lines(*, patient_cf: str, date_text: str, total: str = "150,00") -> list[str]:
    """A medical practice's invoice, line by line, with a valid partita IVA and the patient's codice fiscale."""
    return [
        "Studio Medico Aurora",
        "Via Roma 12",
        "20121 Milano (MI)",
        "P.IVA 12345670017",
        "",
        f"FATTURA N. 45/2026 del {date_text}",
        "",
        "Paziente:",
        "Lucia Rossi",
        f"C.F. {patient_cf}",
        "",
        f"Visita specialistica cardiologica      {total}",
        f"Totale documento                       {total}",
    ]


def invoice_pdf(lines: list[str]) -> bytes:
    """A PDF with a text layer, as a practice's software makes it."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n, line in enumerate(lines):
        c.setFont("Helvetica", 12)
        c.drawString(60, 780 - n * 22, line)
    c.save()
    return buf.getvalue()


def invoice_scan(lines: list[str], *, angle: float = 3.0) -> bytes:
    """The same invoice printed and scanned at 150 dpi: a JPEG, a little askew."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    for n, line in enumerate(lines):
        draw.text((120, 140 + n * 52), line, fill=20, font=font)
    image = image.rotate(angle, expand=True, fillcolor=255)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=80)
    return buf.getvalue()
