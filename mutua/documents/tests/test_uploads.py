"""inspect_upload: the type comes from the content, the file is parsed, and every refusal names the file."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mutua.documents.tests import samples
from mutua.documents.uploads import MAX_PIXELS, UploadRejected, format_limit, inspect_upload

MB2 = 2 * 1024 * 1024
CLAIM_KINDS = {"pdf", "jpeg", "tiff"}
PHOTO_KINDS = {"jpeg", "png"}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def rejected(name: str, content: bytes, kinds: set[str] = CLAIM_KINDS, max_bytes: int = MB2) -> str:
    with pytest.raises(UploadRejected) as error:
        inspect_upload(upload(name, content), kinds=kinds, max_bytes=max_bytes)
    return error.value.message


class TestAccepted:
    def test_pdf_made_by_reportlab(self):
        content = samples.pdf_bytes(pages=3)
        info = inspect_upload(upload("fattura.pdf", content), kinds=CLAIM_KINDS, max_bytes=MB2)
        assert (info.kind, info.content_type, info.size) == ("pdf", "application/pdf", len(content))
        assert info.sha256 == hashlib.sha256(content).hexdigest()

    @pytest.mark.parametrize(
        ("kind", "content_type", "content"),
        [
            ("jpeg", "image/jpeg", samples.jpeg_bytes()),
            ("png", "image/png", samples.png_bytes()),
            ("tiff", "image/tiff", samples.tiff_bytes(pages=3)),
        ],
    )
    def test_images_made_by_pillow(self, kind, content_type, content):
        info = inspect_upload(upload(f"scansione.{kind}", content), kinds={"jpeg", "png", "tiff"}, max_bytes=MB2)
        assert (info.kind, info.content_type) == (kind, content_type)

    def test_the_type_comes_from_the_content_not_the_name_or_the_browser(self):
        info = inspect_upload(
            upload("foto.jpg", samples.png_bytes(), content_type="application/pdf"), kinds=PHOTO_KINDS, max_bytes=MB2
        )
        assert info.kind == "png" and info.content_type == "image/png"

    def test_exactly_the_limit_is_accepted(self):
        jpeg = samples.jpeg_bytes()
        content = jpeg + bytes(MB2 - len(jpeg))  # bytes after the end-of-image marker are ignored by decoders
        assert inspect_upload(upload("foto.jpg", content), kinds=PHOTO_KINDS, max_bytes=MB2).size == MB2

    def test_the_file_is_left_at_its_start(self):
        file = upload("foto.jpg", samples.jpeg_bytes())
        inspect_upload(file, kinds=PHOTO_KINDS, max_bytes=MB2)
        assert file.read(3) == b"\xff\xd8\xff"


class TestRejected:
    def test_an_executable_renamed_pdf(self):
        message = rejected("fattura.pdf", samples.PE_EXECUTABLE)
        assert message == "«fattura.pdf» non è un file valido: sono ammessi i formati PDF, JPEG e TIFF."

    def test_a_web_page_renamed_jpg(self):
        message = rejected("foto.jpg", samples.HTML_PAGE, kinds=PHOTO_KINDS)
        assert message == "«foto.jpg» non è un'immagine valida: sono ammessi i formati JPEG e PNG."

    def test_a_real_file_of_a_kind_not_allowed_here(self):
        assert "«foto.png» non è un file valido" in rejected("foto.png", samples.png_bytes())
        assert "«fattura.pdf» non è un'immagine valida" in rejected("fattura.pdf", samples.pdf_bytes(), PHOTO_KINDS)

    def test_two_megabytes_and_one_byte(self):
        content = samples.jpeg_bytes() + bytes(MB2)
        assert rejected("x.pdf", content[: MB2 + 1]) == "«x.pdf» supera i 2 MB."

    def test_an_empty_file(self):
        assert rejected("vuoto.pdf", b"") == "«vuoto.pdf» è vuoto."

    def test_a_truncated_pdf(self):
        content = samples.pdf_bytes(pages=2)
        message = rejected("fattura.pdf", content[: len(content) // 2])
        assert message == "«fattura.pdf» non è un PDF valido: il file è danneggiato o incompleto."

    def test_a_pdf_with_a_broken_body(self):
        content = samples.pdf_bytes()
        broken = content[:9] + bytes(len(content) - 200) + content[-191:]  # header and trailer kept, objects gone
        assert "non è un PDF valido" in rejected("fattura.pdf", broken)

    def test_an_encrypted_pdf(self):
        message = rejected("referto.pdf", samples.encrypted_pdf_bytes())
        assert message == "«referto.pdf» è protetto da password: salvalo senza protezione e caricalo di nuovo."

    def test_a_truncated_jpeg(self):
        content = samples.jpeg_bytes(size=(1200, 900), quality=95)
        message = rejected("foto.jpg", content[: len(content) * 2 // 3], kinds=PHOTO_KINDS)
        assert message == "«foto.jpg» non è un'immagine valida: il file è danneggiato o incompleto."

    def test_a_png_with_a_bad_checksum(self):
        content = bytearray(samples.png_bytes())
        content[40] ^= 0xFF  # inside the first data chunk
        assert "«foto.png» non è un'immagine valida" in rejected("foto.png", bytes(content), kinds=PHOTO_KINDS)

    def test_a_tiff_decompression_bomb(self):
        bomb = samples.tiff_header_only(60_000, 60_000)  # 3.6 billion pixels in a few hundred bytes
        assert len(bomb) < 1024
        message = rejected("scansione.tif", bomb)
        assert message == (
            f"«scansione.tif» ha una risoluzione troppo alta (più di {MAX_PIXELS // 1_000_000} milioni di pixel): "
            "riducila e riprova."
        )

    def test_a_tiff_just_above_our_pixel_limit_although_below_pillows(self):
        assert "risoluzione troppo alta" in rejected("scansione.tif", samples.tiff_header_only(8_000, 8_000))

    def test_the_name_is_shown_without_folders(self):
        assert rejected("C:\\Documenti\\foto.jpg", samples.HTML_PAGE, kinds=PHOTO_KINDS).startswith("«foto.jpg»")

    def test_unknown_kinds_are_a_programming_error(self):
        with pytest.raises(ValueError):
            inspect_upload(upload("a.gif", b"GIF89a"), kinds={"gif"}, max_bytes=MB2)


@pytest.mark.parametrize(
    ("max_bytes", "text"), [(2 * 1024 * 1024, "2 MB"), (1536 * 1024, "1,5 MB"), (500 * 1024, "500 KB")]
)
def test_limits_are_written_the_italian_way(max_bytes, text):
    assert format_limit(max_bytes) == text
