"""Real sample files for upload tests, generated on the fly."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf_bytes(pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for n in range(pages):
        pdf.drawString(72, 760, f"Fattura n. {n + 1}/2026 - Studio medico")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf_bytes() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="segreta", owner_password="proprietario", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB", **save: object) -> bytes:
    image = Image.new(mode, size, "white" if mode != "1" else 1)
    for x in range(0, size[0], 7):  # some content, so the encoders have something to compress
        for y in range(0, size[1], 11):
            image.putpixel((x, y), (30, 90, 160) if mode == "RGB" else 0)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    return image_bytes("JPEG", size, **save)


def png_bytes(size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    return image_bytes("PNG", size, **save)


def tiff_bytes(pages: int = 1) -> bytes:
    frames = [Image.new("L", (300, 400), 255 - 20 * n) for n in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", compression="tiff_deflate", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def tiff_header_only(width: int, height: int) -> bytes:
    """A tiny deflate-compressed bilevel TIFF that declares `width` x `height` pixels: a decompression bomb."""
    strip = zlib.compress(bytes(4096), 9)
    entries = [
        (256, 4, width),  # ImageWidth (LONG)
        (257, 4, height),  # ImageLength
        (258, 3, 1),  # BitsPerSample (SHORT)
        (259, 3, 8),  # Compression: deflate
        (262, 3, 0),  # PhotometricInterpretation: white is zero
        (273, 4, 0),  # StripOffsets, patched below
        (277, 3, 1),  # SamplesPerPixel
        (278, 4, height),  # RowsPerStrip
        (279, 4, len(strip)),  # StripByteCounts
    ]
    data_offset = 8 + 2 + 12 * len(entries) + 4
    ifd = struct.pack("<H", len(entries))
    for tag, typ, value in entries:
        value = data_offset if tag == 273 else value
        if typ == 3:
            ifd += struct.pack("<HHIHH", tag, typ, 1, value, 0)
        else:
            ifd += struct.pack("<HHII", tag, typ, 1, value)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + strip


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (1600, 1200), (200, 180, 160))
    exif = Image.Exif()
    exif[0x0110] = "Telefono di Mario"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {2: (45.0, 28.0, 0.0), 4: (9.0, 11.0, 0.0)}  # GPSInfo: where the photo was taken
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


PE_EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(48)
    + b"This program cannot be run in DOS mode."
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>fetch('/profilo/').then(r => r.text())</script></body></html>"
