"""Reading an expense document a member uploads: its words (the PDF's text layer, else OCR of the scan) and the
fields proposed from them (`fields`). Pure functions of the file's bytes; the worker task that stores the result
lives with the file's owner (claims). Never logs the text read."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from PIL import Image, ImageSequence
from pypdf import PdfReader

from mutua.documents.reading.fields import FIELD_NAMES as FIELD_NAMES
from mutua.documents.reading.fields import Proposal as Proposal
from mutua.documents.reading.fields import extract, is_receipt, text_in, value_boxes, value_from
from mutua.documents.reading.ocr import OcrUnavailable as OcrUnavailable
from mutua.documents.reading.ocr import Prepared, read_scan, read_values, reread_lines
from mutua.documents.reading.pages import Page
from mutua.documents.reading.textlayer import text_layer_pages

MAX_PAGES = 3  # an expense document's fields are on its first pages; a long clinical record is not read whole
# The lines a second, closer look reads again when the first reading left a field out: its label's line and the one
# below. Loose on purpose: a label half read ("Tota1e", "N ") is what the second look is for.
# A page Tesseract already went over more than once (read sideways, its orientation searched, read again) gets no
# second look: it would break the budget of 2 s a page. Counted in passes, not in seconds, so that what is proposed
# does not depend on how busy the machine is.
SECOND_LOOK_MAX_PASSES = 1
REREAD_LABELS = {
    "amount": re.compile(r"tot|importo|somma|pagat|netto|contant|bancomat|carta|euro|€", re.IGNORECASE),
    # A date with its year unread ("27-01- Ape 10087", a receipt's date, which has no label) too.
    "issue_date": re.compile(r"\bdat|\bdel\b|emess|\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]", re.IGNORECASE),
    "number": re.compile(r"\bn\s?[.°º:]|\bnr\b|\bnum|ricevuta|fattura|documento", re.IGNORECASE),
}


@dataclass
class Reading:
    """What was read from one file: the proposals, the text, and how."""

    proposals: dict[str, Proposal]
    pages: list[Page]
    method: str  # "text" (the PDF's text layer) or "ocr"
    seconds: float
    page_angles: list[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\f\n".join(page.text for page in self.pages)


def pdf_scans(reader: PdfReader) -> list[Image.Image]:
    """A scanned PDF: the largest picture on each page is the scan."""
    images = []
    for pdf_page in reader.pages[:MAX_PAGES]:
        best: Image.Image | None = None
        for picture in pdf_page.images:
            image = picture.image
            if image is not None and (best is None or image.width * image.height > best.width * best.height):
                best = image
        if best is not None:
            images.append(best)
    return images


def document_read(content: bytes, content_type: str, *, today: dt.date) -> Reading:
    """Read a file (PDF, JPEG, TIFF) and propose its fields. Raises OcrUnavailable when Tesseract cannot run."""
    start = time.perf_counter()
    pages: list[Page] | None = None
    method = "ocr"
    if content_type == "application/pdf":
        reader = PdfReader(io.BytesIO(content))
        pages = text_layer_pages(reader, max_pages=MAX_PAGES)
        if pages is not None:
            method = "text"
        else:
            images = pdf_scans(reader)
    else:
        with Image.open(io.BytesIO(content)) as opened:
            images = [frame.copy() for _, frame in zip(range(MAX_PAGES), ImageSequence.Iterator(opened), strict=False)]
    if pages is None:
        scans = [read_scan(image, number=n) for n, image in enumerate(images, start=1)]
        pages = [page for page, _ in scans]
        proposals = extract(pages, today=today)
        more, again = _second_look(scans, proposals, today=today)
        proposals.update(more)
        proposals.update(_value_look(scans, again, proposals, today=today))
    else:
        proposals = extract(pages, today=today)
    return Reading(
        proposals=proposals,
        pages=pages,
        method=method,
        seconds=time.perf_counter() - start,
        page_angles=[page.angle for page in pages],
    )


def _second_look(
    scans: list[tuple[Page, Prepared]], proposals: dict[str, Proposal], *, today: dt.date
) -> tuple[dict[str, Proposal], list[Page | None]]:
    """The fields the first reading left out, read again from a closer look at their labelled lines; only those
    fields are taken from it, with the same rules as the first reading (a second look never replaces a proposal).
    Also gives each page as the second look read it (None where it did not look)."""
    missing = [name for name in REREAD_LABELS if name not in proposals]
    if not missing:
        return {}, [None for _ in scans]
    label = re.compile("|".join(f"(?:{REREAD_LABELS[name].pattern})" for name in missing), re.IGNORECASE)
    looked: list[Page | None] = [
        reread_lines(prepared.image, page, label) if second_look_affordable(page) else None for page, prepared in scans
    ]
    more = extract([again or page for again, (page, _) in zip(looked, scans, strict=True)], today=today)
    return {name: more[name] for name in missing if name in more}, looked


def second_look_affordable(page: Page) -> bool:
    """Whether a page's second look fits in the budget: not when Tesseract already went over it more than once."""
    passes = page.extra.get("passes", 1)
    return isinstance(passes, int) and passes <= SECOND_LOOK_MAX_PASSES


VALUE_LOOK_FIELDS = ("number", "issue_date", "amount")
VALUE_AGREEMENT = 2  # versions of a value's pixels that must read the same value before it is proposed
SHORT_NUMBER, SHORT_VOTES = 3, 4


def _value_look(
    scans: list[tuple[Page, Prepared]],
    looked: list[Page | None],
    proposals: dict[str, Proposal],
    *,
    today: dt.date,
) -> dict[str, Proposal]:
    """The fields both readings left out, read from their values alone: right of each label, a few versions of the
    same pixels (as prepared, pen strokes taken out by their colour, strict black and white) read as lines of
    figures. Each version, and each earlier reading of the same place however unsure (the first, the second look),
    is a vote; a value is proposed only when at least two votes agree on it and no other value has as many, and it
    passes the field's rules: nothing rather than something wrong."""
    missing = [name for name in VALUE_LOOK_FIELDS if name not in proposals]
    found: dict[str, Proposal] = {}
    for (page, prepared), again in zip(scans, looked, strict=True):
        wanted = [name for name in missing if name not in found]
        if not wanted or not second_look_affordable(page):
            continue
        width, height = prepared.image.size
        # The labels as the first reading read them, else as the second look did.
        boxes = [
            (name, box)
            for name in wanted
            for box in (value_boxes(page, name) or (value_boxes(again, name) if again else []))
        ]
        pixels = [
            (round(b[0] * width), round(b[1] * height), round(b[2] * width), round(b[3] * height)) for _, b in boxes
        ]
        readings = read_values(prepared, pixels) if boxes else []
        receipt = is_receipt(page)
        for name in wanted:  # the number first: a date's year misread is the number's year (`value_from`)
            known = found.get("number") or proposals.get("number")
            number = known.value if known else None
            votes: Counter[str] = Counter()
            forms: Counter[str] = Counter()
            where: dict[str, tuple[float, float, float, float]] = {}
            for (field_name, box), versions in zip(boxes, readings, strict=True):
                if field_name != name:
                    continue
                # A value crossed by a pen stroke: what was read through the stroke (the first reading, the second
                # look, the crop as prepared) does not count, only the versions with the stroke taken out.
                crossed = not all(clean for _, clean in versions)
                earlier = [] if crossed else [text_in(p, box) for p in (page, again) if p is not None]
                for text in earlier + [text for text, clean in versions if clean]:
                    value = value_from(name, text, today=today, receipt=receipt, number=number)
                    if value:
                        votes[_vote_key(name, value)] += 1
                        forms[value] += 1
                        where.setdefault(value, box)
            ranked = votes.most_common(2)
            if not ranked or ranked[0][1] < VALUE_AGREEMENT or (len(ranked) > 1 and ranked[1][1] >= ranked[0][1]):
                continue
            # Of the forms of the number agreed on, the one read with its separators, the thin "-" or "/" a
            # figures-only version may miss ("2026770" and "2026-770" agree on "2026-770").
            value = max(
                (form for form in forms if _vote_key(name, form) == ranked[0][0]),
                key=lambda form: (len(form) > len(ranked[0][0]), forms[form]),
            )
            # A number of a figure or two is like the specks Tesseract reads as figures, or a number whose letters
            # the figures-only versions cannot see ("70" of "70/A"): every vote must read it, and four at least.
            if name == "number" and len(value) < SHORT_NUMBER and (len(ranked) > 1 or ranked[0][1] < SHORT_VOTES):
                continue
            found[name] = Proposal(value=value, page=page.number, box=where[value])
    return found


def _vote_key(name: str, value: str) -> str:
    """What two votes must share to agree: a number's figures and letters, whatever its separators."""
    return re.sub(r"[-/.]", "", value) if name == "number" else value
