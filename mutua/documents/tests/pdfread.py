"""Reading back what mutua's PDFs contain: text per page, and the QR modules drawn as vectors."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import ContentStream


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in read(data).pages]


def qr_matrices(data: bytes, *, page: int = 0) -> list[list[list[int]]]:
    """Each QR code drawn by mutua.documents.pdf.draw_qr on the page, as rows of 0/1 modules, quiet zone removed."""
    reader = read(data)
    resources = reader.pages[page]["/Resources"]
    xobjects = resources.get("/XObject", {})
    found = []
    for name, ref in xobjects.items():
        if not name.startswith("/FormXob.qr"):
            continue
        rects = [
            [float(v) for v in operands]
            for operands, operator in ContentStream(ref.get_object(), reader).operations
            if operator == b"re"
        ]
        found.append(_matrix(rects))
    return found


def _matrix(rects: list[list[float]]) -> list[list[int]]:
    module = min(h for _, _, _, h in rects)
    left = min(x for x, _, _, _ in rects)
    top = max(y + h for _, y, _, h in rects)
    cells = set()
    for x, y, w, h in rects:
        row = round((top - (y + h)) / module)
        col = round((x - left) / module)
        for c in range(round(w / module)):
            cells.add((row, col + c))
    size = max(max(r, c) for r, c in cells) + 1
    return [[int((r, c) in cells) for c in range(size)] for r in range(size)]
