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
