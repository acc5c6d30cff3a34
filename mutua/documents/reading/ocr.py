"""Scanned pages read by Tesseract (Debian's tesseract-ocr with the Italian model, tesseract-ocr-ita).

The image is straightened first: the skew (up to ±12°) is the angle at which the rows of ink line up best (the
variance of the row profile, computed by Pillow on a small copy); a page whose reading has no confident words lying
flat (read sideways or upside down) is turned by the quarter turns Tesseract's orientation detection (OSD) finds.
Tesseract is called as a process with the image on its standard input and the result on its standard output: no
copy of a member's document is written to disk.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
from dataclasses import dataclass, replace
from itertools import accumulate

from PIL import Image, ImageChops, ImageFilter, ImageOps

from mutua.documents.reading.pages import Line, Page, Word, lines_from_words

TESSERACT = os.environ.get("TESSERACT_CMD", "tesseract")
LANGUAGE = "ita"
TIMEOUT_SECONDS = 30
MAX_SKEW = 12.0
MIN_TURN = 0.25  # a skew under this many degrees is left as it is
TARGET_TEXT_WIDTH = 1800  # pixels across an A4 page for Tesseract: about 220 dpi


class OcrUnavailable(Exception):
    """Tesseract is not installed or failed on this image."""


STAMP_SATURATION = 64  # HSV saturation (0–255) above which a light pixel is coloured ink, not paper or print
STAMP_VALUE = 165  # HSV value (0–255) above which a coloured pixel is ink on bare paper, not over black print


def _gray(image: Image.Image) -> Image.Image:
    """Grey, with a coloured rubber stamp faded out: a pixel that is both clearly coloured and light (blue or red ink
    on bare paper) becomes paper, while black print, even under the stamp's ink (coloured but dark), keeps its
    luminance. Tinted paper is too little saturated to be touched."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr", "LAB"):
        rgb = image.convert("RGB")
        _hue, saturation, value = rgb.convert("HSV").split()
        coloured = saturation.point(lambda v: 255 if v > STAMP_SATURATION else 0)
        light = value.point(lambda v: 255 if v > STAMP_VALUE else 0)
        gray = rgb.convert("L")
        gray.paste(255, mask=ImageChops.multiply(coloured, light))
        return gray
    if image.mode not in ("L",):
        image = image.convert("L")
    return image


def _profile_score(ink: Image.Image, angle: float) -> float:
    """How sharply the rows of `ink` (white on black) separate into lines once turned by `angle`. The ink is black
    or white: turned without interpolation, four times cheaper than bilinear and as exact on the corpus."""
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
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
    # 255 - (background - page) in one pass instead of a subtraction and an inversion: the same pixels.
    flat = ImageChops.subtract(gray, background, 1.0, 255)
    # Stretched from the darkest ink: a page that is 99 % paper must not have its faint ink clipped to black.
    return ImageOps.autocontrast(flat.filter(ImageFilter.MedianFilter(3)), cutoff=(0, 1))


# Tesseract reads every line it is unsure of a second time with its colours inverted (white print on black): never
# the case on an expense document, and on a noisy photo, whose specks make many unsure lines, a third of the CPU of a
# look at its lines. What changes is how junk is read.
NO_INVERTED_TEXT = ("-c", "tessedit_do_invert=0")


def _tesseract(image: Image.Image, *args: str) -> str:
    buffer = io.BytesIO()
    # Uncompressed (PGM): compressing a page to PNG took Python 0.1–0.3 s of CPU for each of a page's three or four
    # Tesseract processes, for pipe bytes; Tesseract reads the same pixels either way.
    (image if image.mode in ("1", "L", "RGB") else image.convert("L")).save(buffer, "PPM")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread: twice as fast on a small machine (STACK-NOTES §5)
    try:
        done = subprocess.run(  # noqa: S603  # a fixed program and arguments; the image goes on stdin
            [TESSERACT, "stdin", "stdout", *NO_INVERTED_TEXT, *args],
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
    # The scan as uploaded (its colours) and its size once straightened, before scaling: where a box of `image` lies
    # on it (`source_crop`). None for a page given quarter turns.
    source: Image.Image | None = None
    turned_size: tuple[int, int] = (0, 0)


def prepare(image: Image.Image, *, extra_turn: int = 0) -> Prepared:
    """Grey, straightened and scaled for Tesseract; the same steps make the page image the member sees."""
    source = ImageOps.exif_transpose(image) or image
    gray = _gray(source)
    if extra_turn:
        gray = gray.rotate(-extra_turn, expand=True)
    angle = skew_angle(gray)
    if abs(angle) >= MIN_TURN:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    turned_size = gray.size
    scale = TARGET_TEXT_WIDTH / max(gray.width, 1)
    # A receipt is narrow: judge its scale by the height-to-width ratio of an A4 page instead.
    if gray.height > gray.width * 1.9:
        scale = (TARGET_TEXT_WIDTH * 0.45) / gray.width
    if scale > 1.3 or scale < 0.6:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
    gray = _flatten(gray)
    return Prepared(
        image=gray,
        angle=angle - extra_turn,
        source=None if extra_turn else source,
        turned_size=turned_size,
    )


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


UPRIGHT_WORDS = 5  # confident words lying flat on the page: this many and the page is read the right way up


def upright(lines: list[Line], width: int, height: int) -> bool:
    """Whether the page was read the right way up: it has a few words of four letters or more, read with
    confidence and lying flat (wider than tall). A page read sideways or upside down has none: its words are
    vertical or not words. A noisy page read upright keeps them, however many specks are read as junk around them,
    so Tesseract's orientation detection (about a second of CPU on a page) is not asked for it."""
    flat = 0
    for line in lines:
        for word in line.words:
            x0, y0, x1, y1 = word.box
            if (
                word.confidence >= 80
                and re.fullmatch(r"[A-Za-zÀ-ÿ]{4,}[.,:;]?", word.text)
                and (x1 - x0) * width > (y1 - y0) * height
            ):
                flat += 1
    return flat >= UPRIGHT_WORDS


def read_scan(image: Image.Image, *, number: int = 1) -> tuple[Page, Prepared]:
    """Read one scanned page: straighten, read, and when it was not read upright, try the turn OSD finds. Returns the
    page and the prepared image it was read from (for a second look at some of its lines, `reread_lines`). The page's
    `extra["passes"]` counts the whole-page passes Tesseract made (reading, orientation, reading turned): what the
    page already cost, whatever the machine's load."""
    prepared = prepare(image)
    lines = _words_from_tsv(
        _tesseract(prepared.image, "-l", LANGUAGE, "--psm", "3", "tsv"), prepared.image.width, prepared.image.height
    )
    passes = 1
    if not upright(lines, prepared.image.width, prepared.image.height):
        turn = quarter_turns(prepared.image)
        passes += 1
        if turn:
            passes += 1
            again = prepare(image, extra_turn=turn)
            other = _words_from_tsv(
                _tesseract(again.image, "-l", LANGUAGE, "--psm", "3", "tsv"), again.image.width, again.image.height
            )
            # Turned upright it wins, even over a sideways reading Tesseract made sense of (vertical lines of words).
            if upright(other, again.image.width, again.image.height) or _quality(other) > _quality(lines):
                prepared, lines = again, other
    page = Page(
        number=number,
        lines=lines,
        width=prepared.image.width,
        height=prepared.image.height,
        angle=prepared.angle,
        source="ocr",
        extra={"passes": passes},
    )
    return page, prepared


def ocr_page(image: Image.Image, *, number: int = 1) -> Page:
    return read_scan(image, number=number)[0]


REREAD_SCALE = 2  # the second look enlarges the lines: small print at 100–150 dpi gets the pixels Tesseract needs
MAX_REREAD_BANDS = 4
REREAD_BUDGET = 1.3  # the enlarged bands' pixels, in pages: more, and they are enlarged by REREAD_SCALE_TALL only
REREAD_SCALE_TALL = 1.5


def reread_lines(prepared: Image.Image, page: Page, label: re.Pattern[str]) -> Page | None:
    """A second, closer look at the lines whose text matches `label` and the line right below each (a table's value):
    that band of the page cropped, enlarged and read again as one block of text (`--psm 6`), its words put in place of
    the first reading's. For the fields the first reading left out; None when no line matches."""
    bands: list[tuple[float, float]] = []
    for index, line in enumerate(page.lines):
        if not label.search(line.text):
            continue
        top, bottom = line.box[1], line.box[3]
        if index + 1 < len(page.lines):
            bottom = max(bottom, page.lines[index + 1].box[3])
        if bands and top <= bands[-1][1]:
            bands[-1] = (bands[-1][0], max(bands[-1][1], bottom))
        else:
            bands.append((top, bottom))
    if not bands:
        return None
    # The bands, enlarged, stacked one below the other with a blank gap: one Tesseract process reads them all.
    crops: list[tuple[float, float, float, float, Image.Image]] = []
    # Bands that, enlarged twice, would outgrow the page itself (a noisy photo's lines run together with specks):
    # enlarged less, for a second look about half as costly (it took 3–4 s of CPU on such pages).
    tall = sum(bottom - top for top, bottom in bands[:MAX_REREAD_BANDS]) * 1.6 * REREAD_SCALE**2 > REREAD_BUDGET
    scale = REREAD_SCALE_TALL if tall else REREAD_SCALE
    for top, bottom in bands[:MAX_REREAD_BANDS]:
        height = bottom - top
        crop_top, crop_bottom = max(0.0, top - height * 0.3), min(1.0, bottom + height * 0.3)
        y0, y1 = round(crop_top * prepared.height), round(crop_bottom * prepared.height)
        if y1 - y0 >= 8:
            band = prepared.crop((0, y0, prepared.width, y1))
            size = (round(band.width * scale), round(band.height * scale))
            band = band.resize(size, Image.Resampling.LANCZOS)
            crops.append((top, bottom, crop_top, crop_bottom, band))
    if not crops:
        return None
    gap = 40
    stack = Image.new("L", (max(c[4].width for c in crops), sum(c[4].height + gap for c in crops) + gap), 255)
    offsets, y = [], gap
    for *_, band in crops:
        stack.paste(band, (0, y))
        offsets.append(y)
        y += band.height + gap
    try:
        tsv = _tesseract(stack, "-l", LANGUAGE, "--psm", "6", "tsv")
    except OcrUnavailable:
        return None
    fresh: list[list[Word]] = [[] for _ in crops]
    for line in _words_from_tsv(tsv, stack.width, stack.height):
        for word in line.words:
            x0, sy0, x1, sy1 = (word.box[0], word.box[1] * stack.height, word.box[2], word.box[3] * stack.height)
            for n, (top, bottom, crop_top, crop_bottom, band) in enumerate(crops):
                if offsets[n] <= (sy0 + sy1) / 2 <= offsets[n] + band.height:
                    span = crop_bottom - crop_top
                    by0 = crop_top + (sy0 - offsets[n]) / band.height * span
                    by1 = crop_top + (sy1 - offsets[n]) / band.height * span
                    if top <= (by0 + by1) / 2 <= bottom:
                        fresh[n].append(Word(word.text, (x0, by0, x1, by1), word.confidence))
                    break
    words = [w for line in page.lines for w in line.words]
    for (top, bottom, *_), new in zip(crops, fresh, strict=True):
        if new:
            words = [w for w in words if not top <= (w.box[1] + w.box[3]) / 2 <= bottom] + new
    return Page(
        number=page.number,
        lines=lines_from_words(words),
        width=page.width,
        height=page.height,
        angle=page.angle,
        source="ocr",
    )


# --- A look at the values only -----------------------------------------------------------------------------------

PEN_BLUE = 10  # how much bluer than red and green (0–255) a dark pixel of the scan is when it is pen, not print
PEN_DARK = 110  # luminance under which a blue pixel is a stroke of pen, not the light ink of a stamp
PEN_PIXELS = 2  # dark blue pixels per pixel of a crop's height: more, and a pen stroke crosses the value
VALUE_SCALE = 2
VALUE_HEIGHT = 150  # pixels of a value's crop (its line and a margin) once scaled for reading
STRICT_INK = 160  # of a crop's pixels, those darker than this are ink; its darkest 5 % are print's core
STRICT_MARGIN = 50


def source_crop(prepared: Prepared, box: tuple[int, int, int, int]) -> Image.Image | None:
    """The part of the uploaded scan, in colour, that lies under `box` (pixels of the prepared image), turned as the
    prepared image is, at the scan's own resolution. None when the page was given quarter turns (no source kept)."""
    if prepared.source is None or not prepared.turned_size[0]:
        return None
    source = prepared.source if prepared.source.mode == "RGB" else prepared.source.convert("RGB")
    turned_w, turned_h = prepared.turned_size
    scale = prepared.image.width / turned_w
    angle = prepared.angle if abs(prepared.angle) >= MIN_TURN else 0.0
    x0, y0, x1, y1 = (v / scale for v in box)
    # The box's centre on the scan: PIL turns about the centre, counter-clockwise, y pointing down.
    u, v = (x0 + x1) / 2 - turned_w / 2, (y0 + y1) / 2 - turned_h / 2
    t = math.radians(angle)
    cx = source.width / 2 + u * math.cos(t) - v * math.sin(t)
    cy = source.height / 2 + u * math.sin(t) + v * math.cos(t)
    half = math.hypot(x1 - x0, y1 - y0) / 2 + 2
    region = source.crop((round(cx - half), round(cy - half), round(cx + half), round(cy + half)))
    if angle:
        region = region.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    mid = region.width / 2
    w, h = (x1 - x0) / 2, (y1 - y0) / 2
    return region.crop((round(mid - w), round(mid - h), round(mid + w), round(mid + h)))


def pen_mask(crop: Image.Image) -> Image.Image:
    """The pixels of a colour crop that are blue pen: bluer than they are red or green. Black print, or print on
    yellowish paper in a photo, is not."""
    red, green, blue = crop.convert("RGB").split()
    blueness = ImageChops.subtract(blue, ImageChops.add(red, green, scale=2.0))
    return blueness.point(lambda v: 255 if v > PEN_BLUE else 0)


def without_pen(crop: Image.Image, pen: Image.Image | None = None) -> Image.Image:
    """Grey, with blue pen strokes made paper. Where a stroke crossed a digit the digit keeps a gap: closing it from
    the ink on both sides made up digits that two versions then agreed on (tried, not kept)."""
    pen = pen_mask(crop) if pen is None else pen
    gray = _gray(crop)
    gray.paste(255, mask=pen)
    # Paper white, as on the prepared page: most of a value's crop is paper, a photo's shade of it too.
    return ImageOps.autocontrast(gray, cutoff=(1, 40))


def strict(gray: Image.Image) -> Image.Image:
    """Black and white at a threshold set from the crop's own darkest ink: what is lighter than print's core (a
    pen stroke a little lighter than print, the halo of a JPEG) becomes paper."""
    counts = gray.histogram()[:STRICT_INK]
    if not sum(counts):
        return gray
    nth = sum(counts) // 20  # print's core: the level of the ink's darkest 5 %
    level = next(level for level, seen in enumerate(accumulate(counts)) if seen > nth)
    threshold = level + STRICT_MARGIN
    return gray.point(lambda v: 0 if v <= threshold else 255)


@dataclass
class ValueCrop:
    """A value's versions of the same pixels, and whether a pen stroke crosses them."""

    versions: list[Image.Image]
    clean: list[bool]  # for each version, whether it is free of the pen (taken out, or none there)


def value_variants(prepared: Prepared, box: tuple[int, int, int, int]) -> ValueCrop:
    """A value's versions: as prepared, with pen strokes taken out by their colour, and that in black and white at
    a strict threshold. A crop with pen in it: what was read through the pen is not free of it."""
    plain = prepared.image.crop(box)
    crop = source_crop(prepared, box)
    if crop is None:
        return ValueCrop([plain, strict(plain)], [True, True])
    pen = pen_mask(crop)
    dark = ImageChops.multiply(pen, crop.convert("L").point(lambda v: 255 if v < PEN_DARK else 0))
    crossed = dark.histogram()[255] > crop.height * PEN_PIXELS
    clean = without_pen(crop, pen).resize(plain.size, Image.Resampling.BICUBIC)
    return ValueCrop([plain, clean, strict(clean)], [not crossed, True, True])


VALUE_CHARACTERS = "0123456789/-.,"


def read_values(prepared: Prepared, boxes: list[tuple[int, int, int, int]]) -> list[list[tuple[str, bool]]]:
    """Each box's versions (`value_variants`) read as lines of figures: for each box, each version's text and
    whether that version is free of pen. One Tesseract process for all, the crops stacked with blank gaps."""
    crops: list[tuple[int, bool, Image.Image]] = []
    if prepared.source is not None and prepared.source.mode != "RGB":  # once for every box, not once each
        prepared = replace(prepared, source=prepared.source.convert("RGB"))
    for n, box in enumerate(boxes):
        value = value_variants(prepared, box)
        # Enlarged, or reduced, to the height at which Tesseract reads figures well: a receipt 8 cm wide is
        # prepared at twice an A4 page's resolution, and reading its values at twice that costs seconds.
        scale = min(VALUE_SCALE, max(0.5, VALUE_HEIGHT / max(box[3] - box[1], 1)))
        for version, clean in zip(value.versions, value.clean, strict=True):
            size = (round(version.width * scale), round(version.height * scale))
            crops.append((n, clean, version.resize(size, Image.Resampling.LANCZOS)))
    if not crops:
        return [[] for _ in boxes]
    gap = 30
    width = max(c.width for *_, c in crops) + 2 * gap
    stack = Image.new("L", (width, sum(c.height + gap for *_, c in crops) + gap), 255)
    spans, y = [], gap
    for *_, crop in crops:
        stack.paste(crop, (gap, y))
        spans.append((y, y + crop.height))
        y += crop.height + gap
    try:
        whitelist = f"tessedit_char_whitelist={VALUE_CHARACTERS}"
        tsv = _tesseract(stack, "-l", LANGUAGE, "--psm", "6", "-c", whitelist, "tsv")
    except OcrUnavailable:
        return [[] for _ in boxes]
    words: list[list[Word]] = [[] for _ in crops]
    for line in _words_from_tsv(tsv, stack.width, stack.height):
        for word in line.words:
            middle = (word.box[1] + word.box[3]) / 2 * stack.height
            for index, (top, bottom) in enumerate(spans):
                if top <= middle <= bottom:
                    words[index].append(word)
                    break
    result: list[list[tuple[str, bool]]] = [[] for _ in boxes]
    for (n, clean, _), found in zip(crops, words, strict=True):
        result[n].append((" ".join(w.text for w in sorted(found, key=lambda w: w.box[0])), clean))
    return result
