"""The fields of an Italian expense document found in the words of its pages: type, number, date, total, the
provider's tax code (partita IVA or codice fiscale), name and province, the patient's codice fiscale.

Each value comes with the page and the box it was read from. A field is left out rather than guessed: a tax code
must pass its check digit (python-stdnum), a date must be a real day not in the future (a year read in the future
one figure away from the year of the document's number is that year misread), a total must follow a
"Totale"-like label (or be the sum of the taxable amount and the stamp duty printed above it), and a value read by
OCR with a low confidence is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from stdnum.it import codicefiscale, iva

from mutua.core.provinces import provinces
from mutua.documents.reading.pages import Box, Line, Page, Word, box_union

MIN_CONFIDENCE = 80.0  # Tesseract's confidence under which a total read in one place only is not trusted
NUMBER_CONFIDENCE = 60.0  # a document number printed after its label: OCR slips there are rare
AGREED_CONFIDENCE = 40.0  # a total read in two places, or agreeing with the sums above it
NAME_CONFIDENCE = 85.0  # a name has no check digit: only words Tesseract is sure of
MONTHS = {
    name: n
    for n, name in enumerate(
        [
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ],  # fmt: skip
        start=1,
    )
}
FIELD_NAMES = (
    "doc_type",
    "number",
    "issue_date",
    "amount",
    "provider_tax_code",
    "provider_name",
    "provider_province",
    "patient_fiscal_code",
)


@dataclass(frozen=True)
class Proposal:
    """One value read from the document, normalised as the form takes it, and where it is."""

    value: str
    page: int
    box: Box


@dataclass
class _Found:
    line: Line
    index: int  # the line's position in reading order on its page
    page: int
    words: list[Word]

    @property
    def box(self) -> Box:
        return box_union([w.box for w in self.words])

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)


def _spans(line: Line) -> list[tuple[int, int, Word]]:
    spans, position = [], 0
    for word in line.words:
        spans.append((position, position + len(word.text), word))
        position += len(word.text) + 1
    return spans


def _words_in(line: Line, start: int, end: int) -> list[Word]:
    return [w for s, e, w in _spans(line) if s < end and e > start] or list(line.words)


class _Document:
    def __init__(self, pages: list[Page]) -> None:
        self.lines: list[tuple[int, int, Line]] = [
            (page.number, index, line) for page in pages for index, line in enumerate(page.lines) if line.words
        ]

    def search(self, pattern: re.Pattern[str], group: int = 1) -> list[tuple[_Found, re.Match[str]]]:
        found = []
        for page, index, line in self.lines:
            for match in pattern.finditer(line.text):
                start, end = match.span(group)
                found.append((_Found(line, index, page, _words_in(line, start, end)), match))
        return found

    def line_at(self, page: int, index: int) -> Line | None:
        for p, i, line in self.lines:
            if p == page and i == index:
                return line
        return None


# --- Tax codes ------------------------------------------------------------------------------------------------------

_DIGIT_FOR = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "Z": "2", "S": "5",
                            "B": "8", "G": "6", "T": "7", "A": "4"})  # fmt: skip
_LETTER_FOR = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "7": "T", "4": "A"})
_CF_SHAPE = "LLLLLLDDLDDLDDDL"  # L letter, D digit (omocodia letters accepted by stdnum where digits stand)


def fiscal_code_fix(text: str) -> str | None:
    """A valid codice fiscale from 16 characters read by OCR, each put back in its kind (letter or digit)."""
    raw = re.sub(r"[^A-Za-z0-9|]", "", text).upper()
    if len(raw) != 16:
        return None
    if codicefiscale.is_valid(raw):
        return raw
    fixed = "".join(
        (c.translate(_LETTER_FOR) if kind == "L" else (c if c in "LMNPQRSTUV" else c.translate(_DIGIT_FOR)))
        for c, kind in zip(raw, _CF_SHAPE, strict=True)
    )
    return fixed if codicefiscale.is_valid(fixed) else None


def partita_iva_fix(text: str) -> str | None:
    digits = re.sub(r"[\s.]", "", text).upper().removeprefix("IT").translate(_DIGIT_FOR)
    return digits if len(digits) == 11 and digits.isdigit() and iva.is_valid(digits) else None


_PIVA = re.compile(
    r"(?i)(?:p\s?[._,]?\s?iva|partita\s*i\.?\s?v\.?\s?a\.?|p\.\s?i\.)\s*[:.]?\s*((?:IT)?\s?[0-9OIlSB|]{11}|"
    r"[0-9OIlSB]{3}\s[0-9OIlSB]{3}\s[0-9OIlSB]{5})\b"
)
_ANY_ELEVEN = re.compile(r"(?<![\dA-Za-z])(\d{11})(?![\dA-Za-z])")
_CF = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9|]{6}\s?[A-Za-z0-9]{2}\s?[A-Za-z0-9]{3}\s?[A-Za-z0-9]{5})(?![A-Za-z0-9])")
_PATIENT = re.compile(
    r"(?i)\b(paziente|spett|sig\b|sig\.|sig\.ra|intestat|cliente|assistit|ricev[oe] da|cognome e nome|signor)"
)


def _fiscal_codes(doc: _Document) -> list[tuple[_Found, str]]:
    codes = []
    for found, match in doc.search(_CF):
        code = fiscal_code_fix(match.group(1))
        if code:
            codes.append((found, code))
    return codes


def _patient_markers(doc: _Document) -> list[tuple[int, int]]:
    return [(p, i) for p, i, line in doc.lines if _PATIENT.search(line.text)]


def _is_patient(found: _Found, markers: list[tuple[int, int]]) -> bool:
    """A codice fiscale is the patient's when a patient label stands on its line or up to three lines above."""
    return any(p == found.page and 0 <= found.index - i <= 3 for p, i in markers)


# --- Dates and amounts ----------------------------------------------------------------------------------------------

# Any four figures are read as the year: `_date` keeps a real day from 2000 to today only ("2926" for "2026" may be
# mended there by the number's year).
# Between month and year a separator may be read twice ("04- 10- -2026"): the date must still be a real day.
_DATE = re.compile(r"(?<!\d)([0-3]?\d)\s?[/.\-]\s?([01]?\d)\s?[/.\-](?:\s?[/.\-])?\s?(\d{4})(?!\d)")
# The month's name with one letter misread ("17 giuguo 2026"), or after a hyphen ("30-settembre 2026"), is a month
# still: between a day and a year, a word one letter away from one month's name and no other's.
# An apostrophe read between day and month ("3'maggio 2026") is a space still.
_DATE_WORDS = re.compile(r"(?i)(?<!\d)([0-3]?\d)(?:\s+|\s?[-'’]\s?)([a-z]{4,10})\s+(\d{4})(?!\d)")
# Right after its "Data" label, a date whose separators were read as commas or colons ("Data -_11,04:2026", a pen
# stroke through it): a date still, there only (elsewhere "11,04" is an amount).
_DATE_AFTER_LABEL = re.compile(
    r"(?i)\bdata[\W_]{0,4}?(?<!\d)([0-3]?\d)\s?[/.\-,:;]\s?([01]?\d)\s?[/.\-,:;]\s?(\d{4})(?!\d)"
)


def _near(word: str, name: str) -> bool:
    """Whether `word` is `name` with at most one letter changed, added or dropped."""
    if abs(len(word) - len(name)) > 1:
        return False
    if len(word) == len(name):
        return sum(a != b for a, b in zip(word, name, strict=True)) <= 1
    short, long = sorted((word, name), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _month(word: str) -> int | None:
    word = word.lower()
    if word in MONTHS:
        return MONTHS[word]
    near = [n for name, n in MONTHS.items() if _near(word, name)]
    return near[0] if len(near) == 1 else None


_DATE_LABEL = re.compile(r"(?i)\b(data|del|emess[ao]|li\b|lì)\b")
_BIRTH = re.compile(r"(?i)\b(nat[oa]|nascita)\b")
# A figure after a speck read as a dot (".19,34") is a figure; after a digit and a dot it is part of "1.234,56".
_AMOUNT = re.compile(r"(?<![\d,])(?<!\d\.)(\d{1,3}(?:\.\d{3})+|\d{1,6})\s?,\s?(\d{2})(?![\d,])")
_TOTAL_STRONG = re.compile(
    r"(?i)(totale\s+(documento|fattura|complessivo|pagato|da\s+pagare|ricevuta|dovuto)|netto\s+a\s+pagare|"
    r"importo\s+(pagato|totale)|totale\s+euro|pagamento\s+(contante|elettronico|bancomat|carta))"
)
_TOTAL = re.compile(r"(?i)(?<!sub)(?<!sub )\btotale\b|\bla\s+somma\s+di\b")
_NOT_TOTAL = re.compile(r"(?i)imponibile|\biva\b|sconto|acconto|parziale")
_TAXABLE = re.compile(r"(?i)imponibile")
_STAMP = re.compile(r"(?i)bollo")


def _real_day(day: str, month: str, year: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _date(day: str, month: str, year: str, today: dt.date, number_year: str | None = None) -> dt.date | None:
    """The day read, when it is a real day not in the future. A year read in the future one figure away from the
    year the document's number carries (`number_year`: "2026-770", "350/2026") is that year misread ("2028" for
    "2026" at 100 dpi): Italian invoices and receipts are numbered afresh each year, their number's year is theirs."""
    value = _real_day(day, month, year)
    if value is not None and value > today and number_year and _one_figure_apart(year, number_year):
        value = _real_day(day, month, number_year)
    return value if value is not None and dt.date(2000, 1, 1) <= value <= today else None


def _one_figure_apart(year: str, other: str) -> bool:
    return len(year) == len(other) and sum(a != b for a, b in zip(year, other, strict=True)) == 1


# The year a document's number carries: four figures from 2000 joined to the progressive by a dash or a slash.
_NUMBER_YEAR = re.compile(r"^(20\d{2})[-/]\d|\d[-/](20\d{2})$")


def number_year(number: str | None, today: dt.date) -> str | None:
    """The year in a document's number ("2026/708871", "350/2026"), when it is not in the future."""
    match = _NUMBER_YEAR.search(number or "")
    year = match and (match.group(1) or match.group(2))
    return year if year and int(year) <= today.year else None


def _dates(doc: _Document, today: dt.date, year: str | None = None) -> list[tuple[_Found, dt.date, bool]]:
    found = []
    for pattern, words in ((_DATE, False), (_DATE_WORDS, True), (_DATE_AFTER_LABEL, False)):
        for hit, match in doc.search(pattern, 0):
            month = str(_month(match.group(2)) or 0) if words else match.group(2)
            value = _date(match.group(1), month, match.group(3), today, year)
            before = hit.line.text[: match.start()]
            # No confidence threshold here: on the corpus it dropped right dates and kept the one wrong.
            if value is None or _BIRTH.search(hit.line.text):
                continue
            labelled = (
                pattern is _DATE_AFTER_LABEL
                or bool(_DATE_LABEL.search(before[-25:]))
                or bool(re.search(r"[A-Za-z]+\s*,\s*$", before))
            )
            found.append((hit, value, labelled))
    return found


def _amount(match: re.Match[str]) -> Decimal:
    return Decimal(match.group(1).replace(".", "") + "." + match.group(2))


def _amounts_on(doc: _Document, page: int, index: int, after: int = 0) -> list[tuple[_Found, Decimal]]:
    line = doc.line_at(page, index)
    if line is None:
        return []
    result = []
    for match in _AMOUNT.finditer(line.text):
        if match.start() >= after:
            words = _words_in(line, match.start(1), match.end(2))
            result.append((_Found(line, index, page, words), _amount(match)))
    return result


def _total(doc: _Document) -> tuple[_Found, Decimal, int] | None:
    """The document's total, with how many labelled places agree on it."""
    strong: list[tuple[_Found, Decimal]] = []
    plain: list[tuple[_Found, Decimal]] = []
    for page, index, line in doc.lines:
        text = line.text
        label = _TOTAL_STRONG.search(text) or _TOTAL.search(text)
        if not label or _NOT_TOTAL.search(text[: label.end()]):
            continue
        bucket = strong if _TOTAL_STRONG.search(text) else plain
        amounts = _amounts_on(doc, page, index, after=label.end())
        if not amounts:  # a table: the figure alone on the line below
            below = doc.line_at(page, index + 1)
            if below is not None and re.fullmatch(r"[€E\s]*[\d.,\s]+[\W_]*", below.text):
                amounts = _amounts_on(doc, page, index + 1)[:1]
        bucket.extend(amounts[-1:])
    support = _arithmetic_total(doc)
    for bucket in (strong, plain):
        values = {value for _, value in bucket}
        if len(values) == 1:
            surest = max(bucket, key=lambda item: item[0].confidence)
            agreeing = len(bucket) + (1 if support and support[1] == surest[1] else 0)
            return surest[0], surest[1], agreeing
        if len(values) > 1:
            # Two different "totals" (one misread, or "Totale imponibile" read without its second word): unsure,
            # unless one alone was read with confidence and the page prints it once more.
            return _confident_total(doc, bucket, support)
    if support:
        return support[0], support[1], 2  # the figures above agree with it
    return None


def _confident_total(
    doc: _Document, bucket: list[tuple[_Found, Decimal]], support: tuple[_Found, Decimal] | None
) -> tuple[_Found, Decimal, int] | None:
    """Of labelled totals that disagree, the one value read with confidence when every other was read without
    (a digit half hidden by a pen stroke) and the page prints it somewhere else too (the payment, an item, the
    sum of the items); None otherwise."""
    sure = [item for item in bucket if item[0].confidence >= MIN_CONFIDENCE]
    if len({value for _, value in sure}) != 1 or len(sure) == len(bucket):
        return None
    found, value = sure[0]
    elsewhere = sum(
        1
        for page, index, _line in doc.lines
        for f, amount in _amounts_on(doc, page, index)
        if amount == value and not (page == found.page and index == found.index)
    )
    if elsewhere == 0 and not (support and support[1] == value):
        return None
    return found, value, 2


def _arithmetic_total(doc: _Document) -> tuple[_Found, Decimal] | None:
    """A total found by sums, when its label is unreadable: the taxable amount plus the stamp duty printed right
    below them, or a figure of the right-hand column that is the sum of those just above it."""
    taxable = [(f, a) for page, index, line in doc.lines if _TAXABLE.search(line.text)
               for f, a in _amounts_on(doc, page, index)]  # fmt: skip
    stamp = [(f, a) for page, index, line in doc.lines if _STAMP.search(line.text)
             for f, a in _amounts_on(doc, page, index)]  # fmt: skip
    if len(taxable) == 1 and len(stamp) == 1:
        expected = taxable[0][1] + stamp[0][1]
        below = stamp[0][0].index
        for page, index, _line in doc.lines:
            if page == stamp[0][0].page and below < index <= below + 2:
                for f, a in _amounts_on(doc, page, index):
                    if a == expected:
                        return f, a
    return _column_sum(doc)


def _column_sum(doc: _Document) -> tuple[_Found, Decimal] | None:
    """The lowest figure of the page's right-hand column that is the sum of the two or more figures right above it
    (the items, or the taxable amount and the stamp duty)."""
    column: list[tuple[_Found, Decimal]] = []
    for page, index, _line in doc.lines:
        if page == 1:
            amounts = _amounts_on(doc, page, index)
            if amounts:
                column.append(amounts[-1])
    for end in range(len(column) - 1, 1, -1):
        target = column[end][1]
        running = Decimal(0)
        for start in range(end - 1, -1, -1):
            running += column[start][1]
            if running == target and end - start >= 2 and target > 0:
                return column[end]
            if running > target:
                break
    return None


# --- Number, type, provider -----------------------------------------------------------------------------------------

_NUMBER_TOKEN = r"((?:[A-Z]{1,3}[-/ ]?)?\d{1,7}(?:\s?[-/.]\s?\d{1,7})*(?:[-/][A-Z]{1,2})?)"
_NUMBER = re.compile(
    r"(?i)(?:^[\W_]*|\b(?:fattura|ricevuta|documento|doc\.|sanitaria|ricevuta\s+di\s+pagamento)[,.]?\s+)"
    # A label ending in a letter is a whole word: "Numerose 3 visite" is no number "se3".
    r"(?:n\.|n°|nº|nr\.|num\.|(?:nr|numero(?:\s+(?:ricevuta|documento|fattura))?|n)(?![a-z]))\s*[:.]?\s*"
    + r"(?:(?<=\s)[^\w\s]{1,3}\s+){0,3}"  # specks read, on their own, between the label and the number
    + _NUMBER_TOKEN
    + r"(?=$|[\s,;*.:'\"|])"
)
_TYPES = [
    (re.compile(r"(?i)\bfattura\b"), "fattura"),
    (re.compile(r"(?i)\bricevuta\b"), "ricevuta"),
    (re.compile(r"(?i)documento\s+commerciale|scontrino"), "ricevuta"),
    (re.compile(r"(?i)\bticket\b"), "ricevuta"),
]
_ADDRESS = re.compile(r"(?<!\d)(\d{5})\s+([A-Za-zÀ-ÿ'. -]{2,40}?)\s*\(\s*([A-Za-z]{2})\s*\)")
_NOT_A_NAME = re.compile(
    r"(?i)\b(fattura|ricevuta|documento|servizio\W+sani|tel\b|telefono|via|viale|piazza|corso|largo|"
    r"p\.?\s?iva|c\.f\.|codice fiscale|spett|pagina|originale)"
)


# "Numero ricevuta" read as one word of junk ("NuMerprfiCev 2026/671371"), at a line's start, with a piece of its
# second word: a label still when the number after it was read surely.
_NUMBER_GARBLED = re.compile(
    r"(?i)^[\W_]*nu[mn][a-z]{0,8}(?:ric|cev|doc|fat)[a-z]{0,6}\s+" + _NUMBER_TOKEN + r"(?=$|[\s,;*.:'\"|])"
)
GARBLED_LABEL_CONFIDENCE = 90.0


def _number(doc: _Document) -> tuple[_Found, str] | None:
    candidates: list[tuple[_Found, str]] = []
    for pattern, least in ((_NUMBER, NUMBER_CONFIDENCE), (_NUMBER_GARBLED, GARBLED_LABEL_CONFIDENCE)):
        for found, match in doc.search(pattern):
            value = re.sub(r"\s", "", match.group(1))
            # "Fattura N. del 05/04/2026", its number hidden by a pen stroke: the date is no number, with its "del"
            # or not.
            if _DATE.fullmatch(re.sub(r"^[A-Za-z]+", "", value)) or not re.search(r"\d", value):
                continue
            if found.confidence < least:
                continue
            candidates.append((found, value))
    values = {value for _, value in candidates}
    if len(values) != 1:
        return None
    return candidates[0]


def _doc_type(doc: _Document) -> tuple[_Found, str] | None:
    for page, index, line in doc.lines[:25]:
        for pattern, kind in _TYPES:
            match = pattern.search(line.text)
            if match and match.start() <= 12 and index <= 20:
                return _Found(line, index, page, _words_in(line, match.start(), match.end())), kind
    return None


def _provider_name(doc: _Document, header_end: int) -> _Found | None:
    """The tallest line of text at the top, above the provider's address and tax code."""
    best: tuple[float, _Found] | None = None
    for page, index, line in doc.lines:
        if page != 1 or index >= max(header_end, 1) or index > 6:
            break
        text = line.text.strip(" |.,;:'\"‘’“”-_")
        letters = sum(c.isalpha() for c in text)
        head = text.rsplit(" ", 1)[0] if re.fullmatch(r".*\s\d{1,2}", text) else text  # "Farmacia Comunale 3"
        if letters < 4 or re.search(r"\d", head) or _NOT_A_NAME.search(text):
            continue
        words = [w for w in line.words if re.search(r"[A-Za-zÀ-ÿ0-9]", w.text)]
        if not words or min(w.confidence for w in words) < NAME_CONFIDENCE:
            continue
        height = line.box[3] - line.box[1]
        if best is None or height > best[0] * 1.1:
            best = (height, _Found(line, index, page, words))
    return best[1] if best else None


def _clean_name(found: _Found) -> str:
    return " ".join(w.text for w in found.words).strip(" |.,;:'\"‘’“”-_")


def extract(pages: list[Page], *, today: dt.date) -> dict[str, Proposal]:
    """The proposals for a document's fields, each only when the reading is sure of it."""
    doc = _Document(pages)
    proposals: dict[str, Proposal] = {}

    def propose(name: str, value: str, found: _Found) -> None:
        proposals[name] = Proposal(value=value, page=found.page, box=found.box)

    typed = _doc_type(doc)
    if typed:
        propose("doc_type", typed[1], typed[0])

    number = _number(doc)
    if number:
        propose("number", number[1], number[0])

    dates = _dates(doc, today, number_year(number[1] if number else None, today))
    labelled = {value for _, value, is_labelled in dates if is_labelled}
    chosen = None
    if len(labelled) == 1:
        chosen = next((f, v) for f, v, is_labelled in dates if is_labelled)
    elif not labelled and len({v for _, v, _ in dates}) == 1:
        chosen = (dates[0][0], dates[0][1])
    elif not labelled and dates:
        chosen = (dates[0][0], dates[0][1])  # the document's own date comes first; later ones are due dates
    if chosen:
        propose("issue_date", chosen[1].isoformat(), chosen[0])

    total = _total(doc)
    # A figure read in two places (the total and the payment, or the sum of the lines above) is trusted at a lower
    # confidence than one read once.
    if total and total[0].confidence >= (MIN_CONFIDENCE if total[2] < 2 else AGREED_CONFIDENCE):
        propose("amount", f"{total[1]:.2f}", total[0])

    markers = _patient_markers(doc)
    first_marker = min((i for p, i in markers if p == 1), default=10_000)
    header_end = first_marker
    vat = [(f, partita_iva_fix(m.group(1))) for f, m in doc.search(_PIVA)]
    vat_codes = {code for _, code in vat if code}
    if len(vat_codes) == 1:
        found = next(f for f, code in vat if code)
        propose("provider_tax_code", next(iter(vat_codes)), found)
        header_end = min(header_end, found.index)
    codes = _fiscal_codes(doc)
    patient = {code for f, code in codes if _is_patient(f, markers)}
    # A provider's codice fiscale stands in the letterhead: above the patient's block and the document's title.
    title_index = typed[0].index if typed else -1
    provider = {
        code
        for f, code in codes
        if not _is_patient(f, markers) and f.page == 1 and f.index < min(first_marker, title_index)
    }
    if len(patient) == 1:
        propose("patient_fiscal_code", next(iter(patient)), next(f for f, c in codes if c in patient))
    if "provider_tax_code" not in proposals and len(provider) == 1 and not (provider & patient):
        found = next(f for f, c in codes if c in provider)
        propose("provider_tax_code", next(iter(provider)), found)
        header_end = min(header_end, found.index)

    for found, match in doc.search(_ADDRESS, 0):
        if found.page == 1 and found.index < first_marker:
            code = match.group(3).upper()
            city = " ".join(match.group(2).split()).lower()
            known = provinces().get(code)
            sure = known is not None and (
                city in (known.name.lower(), known.capital.lower()) or min(w.confidence for w in found.words) >= 90
            )
            if sure:
                propose("provider_province", code, found)
                header_end = min(header_end, found.index)
            break

    name = _provider_name(doc, header_end)
    if name:
        propose("provider_name", _clean_name(name), name)
    return proposals


# --- A closer look at the values of fields left out -----------------------------------------------------------------

_VALUE_LABELS = {
    # The number's label where the number rule wants it: at a line's start or after the document's name (not "art. 10
    # n. 18"); "Numero ricevuta" with its second word however it was read.
    "number": re.compile(
        r"(?i)(?:^[\W_]*|\b(?:fattura|ricevuta|documento|doc\.)[,.]?\s+)"
        r"(?:numero(?:\s+[A-Za-zÀ-ÿ]{4,})?|n\s?[.°º:]|nr\.?|num\.)"
    ),
    "issue_date": re.compile(r"(?i)\b(?:data|del)(?![a-z])[:.]?"),
    "amount": re.compile(
        r"(?i)(?<!sub)totale(?:\s+(?:documento|fattura|complessivo|pagato|da\s+pagare|ricevuta|dovuto|euro))?[:.]?"
        r"|netto\s+a\s+pagare|importo\s+(?:pagato|totale)|pagamento\s+(?:contante|elettronico)"
    ),
}
_LABEL_WORD = re.compile(r"(?i)ric|doc|fatt|num|compl|pagat")  # the second word of a label, not the next column
_NOT_FIGURES = "‘’'\"`°*«»<>|©®()[]{}_~^!?;:,.-/ "
MAX_VALUE_LABELS = 2  # labelled lines looked at per field: the total and the payment, not every "N." of a page
_VALUE_NUMBER = re.compile(r"(?:[A-Z]{1,3}-?)?\d{1,7}(?:[-/]\d{1,7})*(?:[-/][A-Z]{1,2})?")
_DATE_SHAPE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
VALUE_MARGIN = 0.6  # above and below the label's line, in heights of it
VALUE_WIDTH = 22  # a value's widest, in heights of its label's line, from the label's end (a table's gap too)


def value_boxes(page: Page, name: str) -> list[Box]:
    """Where the value of field `name` stands on `page`: right of each line's label, on the label's own height, up
    to the next word Tesseract read surely as a word ("Data" after "N. 64") or the page's edge."""
    label = _VALUE_LABELS[name]
    boxes: list[Box] = []
    heights = sorted(w.box[3] - w.box[1] for line in page.lines for w in line.words if w.confidence >= 80)
    usual = heights[len(heights) // 2] if heights else 1.0
    for line in page.lines:
        match = label.search(line.text)
        # A total's line merged with the VAT's below it ("TOTALE DI CUI IVA COMPLESSIVO 1,54"): not that line.
        if not match or (name == "amount" and _NOT_TOTAL.search(line.text)):
            continue
        spans = _spans(line)
        inside = [(s, e, w) for s, e, w in spans if s < match.end() and e > match.start()]
        if not inside:
            continue
        s, e, last = inside[-1]
        # The label's end inside its word ("Data12/05/2026" read as one word): by the share of its characters.
        share = min(1.0, (match.end() - s) / max(e - s, 1))
        left = last.box[0] + (last.box[2] - last.box[0]) * share
        right = 0.99
        for s2, _e2, word in spans:
            if (
                s2 >= match.end()
                and word.confidence >= 80
                and re.fullmatch(r"[A-Za-zÀ-ÿ]{3,}[.:,]?", word.text)
                and not _LABEL_WORD.match(word.text)
            ):
                right = word.box[0]
                break
        top = min(w.box[1] for _, _, w in inside)
        bottom = max(w.box[3] for _, _, w in inside)
        # A label read with specks around it stands taller than it is: no taller than the page's usual word.
        if bottom - top > usual * 1.5:
            middle = (top + bottom) / 2
            top, bottom = middle - usual * 0.75, middle + usual * 0.75
        # A value is a dozen characters at most: its box no wider than that, at the label's end (a number, a date)
        # or at the right-hand end (a total, aligned to the right), not a whole row of specks to read.
        aspect = page.height / page.width if page.width and page.height else 1.0
        longest = (bottom - top) * aspect * VALUE_WIDTH
        if name == "amount":
            left = max(left, right - longest)
        else:
            right = min(right, left + longest)
        margin = (bottom - top) * VALUE_MARGIN  # a value in bold stands taller than its label
        if right - left > 0.02:
            boxes.append((left, max(0.0, top - margin), right, min(1.0, bottom + margin)))
        if len(boxes) >= MAX_VALUE_LABELS:
            break
    return boxes


def text_in(page: Page, box: Box) -> str:
    """The words of `page` whose middle lies in `box`, left to right: what a reading made of a value's place."""
    words = [
        w
        for line in page.lines
        for w in line.words
        if box[0] <= (w.box[0] + w.box[2]) / 2 <= box[2] and box[1] <= (w.box[1] + w.box[3]) / 2 <= box[3]
    ]
    return " ".join(w.text for w in sorted(words, key=lambda w: w.box[0]))


_RECEIPT = re.compile(r"(?i)documento\s+commerciale")
# A documento commerciale (scontrino) is numbered "closing-progressive", four figures each: its number has that form,
# and its eight figures read without the dash are that number still.
_RECEIPT_NUMBER = re.compile(r"\d{4}-\d{4}")


def is_receipt(page: Page) -> bool:
    """Whether the page is a documento commerciale (a pharmacy's scontrino parlante)."""
    return any(_RECEIPT.search(line.text) for line in page.lines)


def value_from(name: str, text: str, *, today: dt.date, receipt: bool = False, number: str | None = None) -> str | None:
    """The value of field `name` in `text`, read on its own right of its label, when it passes the field's rules.
    Specks read around it ("2026/146199 - 0 .") are no part of it: the value is the one piece with figures that fits.
    On a documento commerciale (`receipt`) a number has the form of its numbering, "NNNN-NNNN". A date's year read
    in the future is the year of the document's `number` when one figure apart (`_date`)."""
    if name == "number" and receipt:
        pieces = [re.sub(r"^(\d{4})(\d{4})$", r"\1-\2", piece.strip(_NOT_FIGURES)) for piece in text.split()]
        value = value_from(name, " ".join(pieces), today=today)
        return value if value is not None and _RECEIPT_NUMBER.fullmatch(value) else None
    if name == "number":
        # Specks stuck to it ("‘2026/708871"), or its label ("N:2026-469"), are no part of it either.
        pieces = [re.sub(r"(?i)^(?:nr?[.:°º-])", "", piece.strip(".,-/")).strip(_NOT_FIGURES) for piece in text.split()]
        # A number with letters ("70/A") is read by the readings only, never by the figures-only versions: a vote
        # against the "70" those read.
        numbers = [p for p in pieces if _VALUE_NUMBER.fullmatch(p) and not _DATE_SHAPE.fullmatch(p)]
        longest = max(numbers, key=len, default=None)
        # One piece with figures, and single specks around: "2026/1088 18" is not read with any certainty; a date
        # read next to it ("N. 2026-469 Data 12/05/2026") is no other number.
        others = [p for p in pieces if p != longest and len(re.findall(r"\d", p)) >= 2 and not _DATE_SHAPE.search(p)]
        return longest if longest is not None and not others else None
    if name == "issue_date":
        match = _DATE.search(text)
        day = match and _date(match.group(1), match.group(2), match.group(3), today, number_year(number, today))
        return day.isoformat() if day else None
    if name == "amount":
        amounts = list(_AMOUNT.finditer(text))
        return f"{_amount(amounts[-1]):.2f}" if amounts else None
    return None
