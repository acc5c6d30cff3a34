"""Upload validation shared by every feature that accepts files from members.

The type comes from the content, never from the name: the first bytes must match an allowed format, then the whole
file is parsed (Pillow for images, pypdf for PDFs). A file that passes is safe to store and to serve back as the
content type returned here.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import warnings
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

PDF = "pdf"
JPEG = "jpeg"
PNG = "png"
TIFF = "tiff"

CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png", TIFF: "image/tiff"}
IMAGE_KINDS = frozenset({JPEG, PNG, TIFF})
_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}
_MAGIC = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)

# A 600 dpi A4 scan is about 35 million pixels; anything much larger in a 2 MB file is a decompression bomb.
MAX_PIXELS = 50_000_000
MAX_FRAMES = 100  # pages of a multi-page TIFF
MAX_PDF_PAGES = 500


@dataclass(frozen=True)
class UploadInfo:
    kind: str
    content_type: str
    size: int
    sha256: str


class UploadRejected(Exception):
    """The file cannot be accepted; `message` names the file and says why, in words for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def inspect_upload(uploaded_file: IO[bytes] | Any, *, kinds: Set[str], max_bytes: int) -> UploadInfo:
    """Check an uploaded file by its content: one of `kinds`, at most `max_bytes`, and parseable to the end.

    Raises UploadRejected with a message that names the file. Leaves the file positioned at its start.
    """
    unknown = set(kinds) - set(CONTENT_TYPES)
    if unknown or not kinds:
        raise ValueError(f"unknown upload kinds: {sorted(unknown)}")
    name = display_name(uploaded_file)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    if len(data) > max_bytes:
        raise UploadRejected(_("«%(name)s» supera i %(limit)s.") % {"name": name, "limit": format_limit(max_bytes)})
    if not data:
        raise UploadRejected(_("«%(name)s» è vuoto.") % {"name": name})
    kind = sniff(data)
    if kind is None or kind not in kinds:
        raise UploadRejected(_wrong_type_message(name, kinds))
    if kind == PDF:
        _check_pdf(data, name)
    else:
        _check_image(data, name, kind)
    return UploadInfo(
        kind=kind, content_type=CONTENT_TYPES[kind], size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


Stored = TypeVar("Stored", bound=Any)

# A scanned document (a claim's or a booking's): PDF, JPEG or TIFF by content, at most 2 MB each.
SCAN_KINDS = frozenset({"pdf", "jpeg", "tiff"})
SCAN_MAX_BYTES = 2 * 1024 * 1024


def uploads_check(
    files: Sequence[Any], *, kinds: Set[str] = SCAN_KINDS, max_bytes: int = SCAN_MAX_BYTES
) -> tuple[list[tuple[Any, UploadInfo]], list[str]]:
    """Every file inspected: the accepted ones with what was learnt of them, and a reason for each refused one."""
    accepted: list[tuple[Any, UploadInfo]] = []
    problems: list[str] = []
    for upload in files:
        try:
            accepted.append((upload, inspect_upload(upload, kinds=kinds, max_bytes=max_bytes)))
        except UploadRejected as exc:
            problems.append(exc.message)
    return accepted, problems


def uploads_save(accepted: Sequence[tuple[Any, UploadInfo]], *, build: Callable[..., Stored]) -> list[Stored]:
    """Store checked files as the rows `build(original_name=…, content_type=…, size=…, sha256=…, scan_status=…)` makes.

    The caller holds a transaction: if one file cannot be written the rows roll back with it, and the files
    already written are removed here, so a failure leaves nothing behind. With scanning on, each file is stored
    `pending` and its malware scan queued in the same transaction (mutua.documents.scanning).
    """
    from mutua.documents.models import ScanStatus
    from mutua.documents.scanning import scanning_enabled, stored_files_queue_scan

    status = ScanStatus.PENDING if scanning_enabled() else ScanStatus.NOT_SCANNED
    stored: list[Stored] = []
    try:
        for upload, info in accepted:
            upload.seek(0)
            row = build(
                original_name=os.path.basename(upload.name or "file")[:255],
                content_type=info.content_type,
                size=info.size,
                sha256=info.sha256,
                scan_status=status,
            )
            row.file.save(upload.name or "file", upload, save=False)
            row.save()
            stored.append(row)
    except Exception:
        for row in stored:
            row.file.delete(save=False)
        raise
    stored_files_queue_scan(stored)
    return stored


def sniff(data: bytes) -> str | None:
    """The format announced by the first bytes (magic numbers), or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def display_name(uploaded_file: Any) -> str:
    """The file name as the member chose it, without folders or control characters, shortened for messages."""
    raw = os.path.basename(str(getattr(uploaded_file, "name", "") or "").replace("\\", "/"))
    clean = "".join(c for c in raw if unicodedata.category(c)[0] != "C").strip()
    if len(clean) > 80:
        clean = clean[:60] + "…" + clean[-15:]
    return clean or _("il file")


def format_limit(max_bytes: int) -> str:
    """2097152 -> "2 MB"; 512000 -> "500 KB" (Italian decimal comma)."""
    mb = max_bytes / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"
    return f"{max_bytes / 1024:.0f} KB"


def _join(labels: list[str]) -> str:
    return (
        labels[0]
        if len(labels) == 1
        else _("%(list)s e %(last)s") % {"list": ", ".join(labels[:-1]), "last": labels[-1]}
    )


def _wrong_type_message(name: str, kinds: Set[str]) -> str:
    formats = _join([_LABELS[k] for k in (PDF, JPEG, PNG, TIFF) if k in kinds])
    if set(kinds) <= IMAGE_KINDS:
        return _("«%(name)s» non è un'immagine valida: sono ammessi i formati %(formats)s.") % {
            "name": name,
            "formats": formats,
        }
    return _("«%(name)s» non è un file valido: sono ammessi i formati %(formats)s.") % {
        "name": name,
        "formats": formats,
    }


def _damaged_image(name: str) -> UploadRejected:
    return UploadRejected(
        _("«%(name)s» non è un'immagine valida: il file è danneggiato o incompleto.") % {"name": name}
    )


def _too_many_pixels(name: str) -> UploadRejected:
    return UploadRejected(
        _("«%(name)s» ha una risoluzione troppo alta (più di %(n)d milioni di pixel): riducila e riprova.")
        % {"name": name, "n": MAX_PIXELS // 1_000_000}
    )


def _check_pixels(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _damaged_image(name)
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(name)


def _check_image(data: bytes, name: str, kind: str) -> None:
    formats = [_PIL_FORMATS[kind]]
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that: both are bombs here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=formats) as image:
                _check_pixels(image, name)
                image.verify()  # structure and checksums, without decoding
            with Image.open(io.BytesIO(data), formats=formats) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > MAX_FRAMES:
                    raise UploadRejected(
                        _("«%(name)s» ha troppe pagine (al massimo %(n)d).") % {"name": name, "n": MAX_FRAMES}
                    )
                for frame in range(frames):
                    image.seek(frame)
                    _check_pixels(image, name)
                    image.load()  # decode every pixel: a truncated file fails here
        except UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name)
        except Exception:  # any parser failure on untrusted bytes means the file is not a usable image
            raise _damaged_image(name)


def _check_pdf(data: bytes, name: str) -> None:
    damaged = UploadRejected(_("«%(name)s» non è un PDF valido: il file è danneggiato o incompleto.") % {"name": name})
    if b"%%EOF" not in data[-2048:]:  # every complete PDF ends with its end-of-file marker
        raise damaged
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRejected(
                _("«%(name)s» è protetto da password: salvalo senza protezione e caricalo di nuovo.") % {"name": name}
            )
        pages = len(reader.pages)
        if pages == 0:
            raise damaged
        if pages > MAX_PDF_PAGES:
            raise UploadRejected(
                _("«%(name)s» ha troppe pagine (al massimo %(n)d).") % {"name": name, "n": MAX_PDF_PAGES}
            )
        for page in reader.pages:  # every page dictionary must resolve to a real page
            if page.mediabox.width <= 0 or page.mediabox.height <= 0:
                raise damaged
    except UploadRejected:
        raise
    except Exception:  # pypdf raises many types on malformed input; all mean the same to the member
        raise damaged
