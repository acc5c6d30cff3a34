"""Scanned pages read by Tesseract (Debian's tesseract-ocr with the Italian model, tesseract-ocr-ita).

The image is straightened first: the skew (up to ±12°) is the angle at which the rows of ink line up best (the
variance of the row profile, computed by Pillow on a small copy); a page still unreadable after that is turned by
the quarter turns Tesseract's orientation detection (OSD) finds. Tesseract is called as a process with the image on
its standard input and the result on its standard output: no copy of a member's document is written to disk.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps

from mutua.documents.reading.pages import Line, Page, Word, lines_from_words

TESSERACT = os.environ.get("TESSERACT_CMD", "tesseract")
LANGUAGE = "ita"
TIMEOUT_SECONDS = 30
MAX_SKEW = 12.0
TARGET_TEXT_WIDTH = 1800  # pixels across an A4 page for Tesseract: about 220 dpi


class OcrUnavailable(Exception):
    """Tesseract is not installed or failed on this image."""


def _gray(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if image.mode not in ("L",):
        image = image.convert("L")
    return image


def _profile_score(ink: Image.Image, angle: float) -> float:
    """How sharply the rows of `ink` (white on black) separate into lines once turned by `angle`."""
    turned = ink.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
    rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
    mean = sum(rows) / len(rows)
    return sum((r - mean) ** 2 for r in rows) / len(rows)


def skew_angle(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes the text lines horizontal."""
    small = image.copy()
    small.thumbnail((700, 700))
    # Ink as white on black: dark pixels (below the page's own mid-tone) count, the paper's shading does not.
    extrema = small.getextrema()
    low, high = extrema if isinstance(extrema[0], int) else (0, 255)
    threshold = low + (int(high) - int(low)) * 0.55
    ink = small.point(lambda v: 255 if v < threshold else 0)
    best_angle, best = 0.0, _profile_score(ink, 0.0)
    for step, span in ((1.0, MAX_SKEW), (0.25, 1.0)):
        centre = best_angle
        angle = centre - span
        while angle <= centre + span + 1e-9:
            if angle != centre:
                score = _profile_score(ink, angle)
                if score > best:
                    best, best_angle = score, angle
            angle = round(angle + step, 4)
    return best_angle


def _flatten(gray: Image.Image) -> Image.Image:
    """Even out the light of a photographed page: the page less its own background
    (the ink removed by a maximum filter on a small copy) taken away, then a median filter for scan specks."""
    small = gray.resize((max(gray.width // 8, 1), max(gray.height // 8, 1)), Image.Resampling.BOX)
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(2)).resize(gray.size)
    flat = ImageOps.invert(ImageChops.subtract(background, gray))
    # Stretched from the darkest ink: a page that is 99 % paper must not have its faint ink clipped to black.
    return ImageOps.autocontrast(flat.filter(ImageFilter.MedianFilter(3)), cutoff=(0, 1))


def _tesseract(image: Image.Image, *args: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread: twice as fast on a small machine (STACK-NOTES §5)
    try:
        done = subprocess.run(  # noqa: S603  # a fixed program and arguments; the image goes on stdin
            [TESSERACT, "stdin", "stdout", *args],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OcrUnavailable(str(error)) from error
    if done.returncode != 0:
        raise OcrUnavailable(done.stderr.decode(errors="replace")[-300:])
    return done.stdout.decode("utf-8", errors="replace")


def quarter_turns(image: Image.Image) -> int:
    """How many degrees (0, 90, 180, 270) Tesseract's OSD says the page must be turned, 0 when unsure."""
    try:
        out = _tesseract(image, "--psm", "0", "-l", "osd")
    except OcrUnavailable:
        return 0
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate or not confidence or float(confidence.group(1)) < 2.0:
        return 0
    return int(rotate.group(1)) % 360


@dataclass
class Prepared:
    image: Image.Image  # straight, grey, at the size Tesseract reads
    angle: float  # total degrees turned counter-clockwise


def prepare(image: Image.Image, *, extra_turn: int = 0) -> Prepared:
    """Grey, straightened and scaled for Tesseract; the same steps make the page image the member sees."""
    gray = _gray(image)
    if extra_turn:
        gray = gray.rotate(-extra_turn, expand=True)
    angle = skew_angle(gray)
    if abs(angle) >= 0.25:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    scale = TARGET_TEXT_WIDTH / max(gray.width, 1)
    # A receipt is narrow: judge its scale by the height-to-width ratio of an A4 page instead.
    if gray.height > gray.width * 1.9:
        scale = (TARGET_TEXT_WIDTH * 0.45) / gray.width
    if scale > 1.3 or scale < 0.6:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
    gray = _flatten(gray)
    return Prepared(image=gray, angle=angle - extra_turn)


def _words_from_tsv(tsv: str, width: int, height: int) -> list[Line]:
    """Tesseract's words, in lines made by position on the page: a label and its value in another column of the
    same row (a table, "Numero ricevuta    2026/123") end up on one line, as a person reads them."""
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, w, h = (int(c) for c in cols[6:10])
        box = (left / width, top / height, (left + w) / width, (top + h) / height)
        words.append(Word(cols[11].strip(), box, float(cols[10])))
    return lines_from_words(words)


def _quality(lines: list[Line]) -> float:
    """Share of confident words that look like words: low for a page read sideways or upside down."""
    words = [w for line in lines for w in line.words]
    if not words:
        return 0.0
    good = [w for w in words if w.confidence >= 70 and re.search(r"[A-Za-z0-9]{2,}", w.text)]
    return len(good) / len(words) * min(1.0, len(words) / 15)


def ocr_page(image: Image.Image, *, number: int = 1) -> Page:
    """Read one scanned page: straighten, read, and when that reads badly, try the turn OSD finds."""
    prepared = prepare(image)
    lines = _words_from_tsv(
        _tesseract(prepared.image, "-l", LANGUAGE, "--psm", "3", "tsv"), prepared.image.width, prepared.image.height
    )
    if _quality(lines) < 0.35:
        turn = quarter_turns(prepared.image)
        if turn:
            again = prepare(image, extra_turn=turn)
            other = _words_from_tsv(
                _tesseract(again.image, "-l", LANGUAGE, "--psm", "3", "tsv"), again.image.width, again.image.height
            )
            if _quality(other) > _quality(lines):
                prepared, lines = again, other
    return Page(
        number=number,
        lines=lines,
        width=prepared.image.width,
        height=prepared.image.height,
        angle=prepared.angle,
        source="ocr",
    )
