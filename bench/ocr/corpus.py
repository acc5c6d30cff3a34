"""Italian expense documents drawn with their true values: invoices, receipts, pharmacy "scontrini parlanti" and ASL
tickets, in several layouts and fonts, with tables, stamps, handwriting-like marks, scan noise, rotation up to 10°,
low resolution and photographed paper; some as PDFs with a text layer (ReportLab), the rest as scanned images.

`sample(seed)` gives one document: the bytes of its file, its content type and `Truth`, the values printed on it.
The same seed gives the same document on every machine with the same fonts (Debian's fonts-dejavu-core).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from stdnum import luhn
from stdnum.it import codicefiscale

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
}
MONTHS = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
          "novembre", "dicembre"]  # fmt: skip
CITIES = [
    ("Roma", "RM", "00185"), ("Milano", "MI", "20121"), ("Napoli", "NA", "80133"), ("Torino", "TO", "10121"),
    ("Bologna", "BO", "40126"), ("Firenze", "FI", "50122"), ("Bari", "BA", "70121"), ("Palermo", "PA", "90133"),
    ("Genova", "GE", "16121"), ("Verona", "VR", "37121"), ("Padova", "PD", "35122"), ("Perugia", "PG", "06121"),
    ("Cagliari", "CA", "09124"), ("Lecce", "LE", "73100"), ("Trento", "TN", "38122"), ("Ancona", "AN", "60121"),
]  # fmt: skip
SURNAMES = ["Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
            "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti"]  # fmt: skip
NAMES = ["Maria", "Giuseppe", "Anna", "Giovanni", "Francesca", "Luca", "Chiara", "Marco", "Paola", "Andrea",
         "Laura", "Stefano", "Elena", "Roberto", "Silvia", "Alessandro"]  # fmt: skip
STREETS = ["Via Roma", "Corso Italia", "Via Garibaldi", "Viale Mazzini", "Piazza Cavour", "Via Verdi",
           "Via Dante", "Largo Augusto", "Via XX Settembre", "Via Nazionale"]  # fmt: skip
SERVICES = [
    "Visita specialistica cardiologica", "Ecografia addome completo", "Seduta di fisioterapia", "Igiene orale",
    "Otturazione dente 36", "Visita oculistica", "Elettrocardiogramma", "Esami ematochimici", "Visita ortopedica",
    "Radiografia torace", "Seduta di logopedia", "Visita dermatologica", "Ecocolordoppler TSA", "Devitalizzazione",
]  # fmt: skip
PRACTICES = ["Studio Medico", "Poliambulatorio", "Centro Diagnostico", "Studio Dentistico", "Centro Fisioterapico",
             "Casa di Cura", "Laboratorio Analisi"]  # fmt: skip
PHARMACY_ITEMS = ["TACHIPIRINA 500MG 20CPR", "MOMENT 200MG 12CPR", "OKI TASK 40MG", "ENTEROGERMINA 2MLD",
                  "AUGMENTIN 875MG", "BENTELAN 1MG 10CPR", "FLUIMUCIL 600MG", "CEROTTI MEDICATI"]  # fmt: skip


@dataclass
class Truth:
    """What is printed on the document: the values a perfect reading proposes."""

    layout: str
    doc_type: str  # fattura / ricevuta (a scontrino parlante or a ticket is a ricevuta for the mutual)
    number: str
    date: str  # ISO
    amount: str  # "123.45"
    provider_tax_code: str
    provider_name: str
    patient_fiscal_code: str
    province: str
    variant: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Sample:
    content: bytes
    content_type: str
    truth: Truth


def partita_iva(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7):07d}{rng.randint(1, 100):03d}"
    return body + luhn.calc_check_digit(body)


def fiscal_code(rng: random.Random, surname: str, name: str) -> str:
    def letters(word: str, first_name: bool = False) -> str:
        word = "".join(c for c in word.upper() if c.isalpha())
        cons = [c for c in word if c not in "AEIOU"]
        vow = [c for c in word if c in "AEIOU"]
        if first_name and len(cons) > 3:
            cons = [cons[0], cons[2], cons[3]]
        return ("".join(cons + vow) + "XXX")[:3]

    year = rng.randint(40, 99)
    month = "ABCDEHLMPRST"[rng.randrange(12)]
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    place = rng.choice(["H501", "F205", "F839", "L219", "A944", "D612", "A662", "G273"])
    body = f"{letters(surname)}{letters(name, True)}{year:02d}{month}{day:02d}{place}"
    return body + codicefiscale.calc_check_digit(body)


def euro(value: Decimal, *, symbol: bool = True, thousands: bool = True) -> str:
    whole, cents = f"{value:.2f}".split(".")
    if thousands and len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", ".")
    return f"{'€ ' if symbol else ''}{whole},{cents}"


@dataclass
class Doc:
    """The document's content, independent of how it is drawn."""

    layout: str
    provider_name: str
    provider_address: str
    provider_city_line: str
    province: str
    provider_tax_label: str
    provider_tax_code: str
    patient_name: str
    patient_cf: str
    number: str
    date: dt.date
    date_text: str
    items: list[tuple[str, Decimal]]
    stamp_duty: Decimal
    total: Decimal
    doc_type: str


def _content(rng: random.Random, layout: str) -> Doc:
    city, province, cap = rng.choice(CITIES)
    doctor_surname, doctor_name = rng.choice(SURNAMES), rng.choice(NAMES)
    patient_surname, patient_name = rng.choice(SURNAMES), rng.choice(NAMES)
    date = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(330))
    if layout == "scontrino":
        provider = f"FARMACIA {rng.choice(['SAN MARCO', 'CENTRALE', 'DEL CORSO', 'SANTA CHIARA', 'COMUNALE 3'])}"
    elif layout == "ticket":
        provider = f"AZIENDA SANITARIA LOCALE {city.upper()} {rng.randint(1, 5)}"
    elif rng.random() < 0.35 and layout in ("studio", "ricevuta"):
        provider = f"Dott. {doctor_name} {doctor_surname}"
    else:
        provider = f"{rng.choice(PRACTICES)} {rng.choice(['San Luca', 'Salus', 'Villa Serena', 'Aurora', 'Medica'])}"
    if provider.startswith("Dott.") and rng.random() < 0.5:
        tax_label, tax_code = "C.F.", fiscal_code(rng, doctor_surname, doctor_name)
    else:
        tax_label, tax_code = rng.choice(["P.IVA", "P. IVA", "Partita IVA", "P.Iva"]), partita_iva(rng)
    n_items = 1 if layout in ("ticket",) else rng.randint(1, 4)
    if layout == "scontrino":
        items = [(rng.choice(PHARMACY_ITEMS), Decimal(rng.randint(290, 2490)) / 100) for _ in range(n_items)]
    else:
        items = [(rng.choice(SERVICES), Decimal(rng.randint(2, 60) * 500) / 100) for _ in range(n_items)]
    if layout == "ticket":
        items = [("Quota ticket prestazioni specialistiche", Decimal(rng.choice([3615, 2350, 4600, 1880])) / 100)]
    subtotal = sum((price for _, price in items), Decimal(0))
    duty = Decimal("2.00") if subtotal > Decimal("77.47") and layout in ("studio", "poli", "ricevuta") else Decimal(0)
    if layout == "scontrino":
        number = f"{rng.randint(1, 9999):04d}-{rng.randint(1, 9999):04d}"
    elif layout == "ticket":
        number = f"{date.year}/{rng.randint(100000, 999999)}"
    else:
        number = rng.choice(
            [str(rng.randint(1, 400)), f"{rng.randint(1, 400)}/{date.year}",
             f"FT-{date.year}/{rng.randint(1, 999):04d}", f"{rng.randint(1, 99)}/A",
             f"{date.year}-{rng.randint(1, 999):03d}"]
        )  # fmt: skip
    style = rng.choice(["slash", "slash", "dot", "dash", "words"])
    if layout == "scontrino":
        style = "dash"
    date_text = {
        "slash": f"{date:%d/%m/%Y}",
        "dot": f"{date:%d.%m.%Y}",
        "dash": f"{date:%d-%m-%Y}",
        "words": f"{date.day} {MONTHS[date.month - 1]} {date.year}",
    }[style]
    doc_type = "fattura" if layout in ("studio", "poli") else "ricevuta"
    return Doc(
        layout=layout,
        provider_name=provider,
        provider_address=f"{rng.choice(STREETS)}, {rng.randint(1, 200)}",
        provider_city_line=f"{cap} {city} ({province})",
        province=province,
        provider_tax_label=tax_label,
        provider_tax_code=tax_code,
        patient_name=f"{patient_name} {patient_surname}",
        patient_cf=fiscal_code(rng, patient_surname, patient_name),
        number=number,
        date=date,
        date_text=date_text,
        items=items,
        stamp_duty=duty,
        total=subtotal + duty,
        doc_type=doc_type,
    )


# --- Drawing: every layout is a list of text runs on a page measured in millimetres ------------------------------


@dataclass
class Run:
    x: float  # mm from the left
    y: float  # mm from the top (baseline-ish: top of the text)
    text: str
    size: float = 3.2  # mm
    bold: bool = False
    align: str = "left"


@dataclass
class Layout:
    width: float  # mm
    height: float
    runs: list[Run]
    rules: list[tuple[float, float, float, float]]  # lines: x0, y0, x1, y1 in mm
    patient_included: bool


def _table(runs: list[Run], rules: list[tuple[float, float, float, float]], doc: Doc, y: float, x0: float,
           x1: float, size: float, rng: random.Random) -> float:  # fmt: skip
    qty_column = rng.random() < 0.5
    runs.append(Run(x0, y, "Descrizione", size, True))
    if qty_column:
        runs.append(Run(x1 - 55, y, "Q.tà", size, True))
    runs.append(Run(x1, y, "Importo", size, True, "right"))
    rules.append((x0, y + size * 1.5, x1, y + size * 1.5))
    y += size * 2.4
    for description, price in doc.items:
        runs.append(Run(x0, y, description, size))
        if qty_column:
            runs.append(Run(x1 - 52, y, "1", size))
        runs.append(Run(x1, y, euro(price, symbol=rng.random() < 0.3), size, align="right"))
        y += size * 2
    rules.append((x0, y, x1, y))
    return y + size


def _invoice(doc: Doc, rng: random.Random) -> Layout:
    runs: list[Run] = []
    rules: list[tuple[float, float, float, float]] = []
    size = rng.uniform(3.0, 3.8)
    right_header = doc.layout == "poli" and rng.random() < 0.6
    hx = 190 if right_header else 20
    align = "right" if right_header else "left"
    y = 18.0
    runs.append(Run(hx if not (doc.layout == "poli" and not right_header) else 105, y, doc.provider_name, size * 1.5,
                    True, align if not (doc.layout == "poli" and not right_header) else "center"))  # fmt: skip
    y += size * 2.6
    for line in (doc.provider_address, doc.provider_city_line, f"{doc.provider_tax_label} {doc.provider_tax_code}",
                 f"Tel. 0{rng.randint(10, 99)} {rng.randint(100000, 9999999)}"):  # fmt: skip
        runs.append(Run(hx, y, line, size * 0.9, align=align))
        y += size * 1.7
    y += 10
    title = "FATTURA" if doc.doc_type == "fattura" else rng.choice(["RICEVUTA SANITARIA", "RICEVUTA", "Ricevuta"])
    if rng.random() < 0.5:
        runs.append(Run(20, y, f"{title} N. {doc.number} del {doc.date_text}", size * 1.2, True))
        y += size * 3
    else:
        runs.append(Run(20, y, title, size * 1.4, True))
        y += size * 2.4
        label = rng.choice(["Numero", "N.", "n°", "Nr."])
        runs.append(Run(20, y, f"{label} {doc.number}", size))
        runs.append(Run(80, y, f"Data {doc.date_text}", size))
        y += size * 3
    px = 110 if rng.random() < 0.6 else 20
    py = y
    runs.append(Run(px, py, rng.choice(["Spett.le", "Paziente:", "Intestata a:", "Sig./Sig.ra"]), size * 0.9))
    runs.append(Run(px, py + size * 1.8, doc.patient_name, size, True))
    runs.append(Run(px, py + size * 3.6, f"C.F. {doc.patient_cf}", size * 0.9))
    y = py + size * 7
    y = _table(runs, rules, doc, y, 20, 190, size, rng)
    subtotal = doc.total - doc.stamp_duty
    if doc.stamp_duty:
        runs.append(Run(140, y, "Imponibile", size))
        runs.append(Run(190, y, euro(subtotal), size, align="right"))
        y += size * 1.9
        runs.append(Run(140, y, "Marca da bollo", size))
        runs.append(Run(190, y, euro(doc.stamp_duty), size, align="right"))
        y += size * 1.9
    label = rng.choice(["Totale documento", "TOTALE", "Totale da pagare", "Totale fattura", "Netto a pagare"])
    runs.append(Run(120, y + 1, label, size * 1.1, True))
    runs.append(Run(190, y + 1, euro(doc.total, symbol=rng.random() < 0.7), size * 1.1, True, "right"))
    y += size * 4
    notes = [
        "Operazione esente IVA ai sensi dell'art. 10 n. 18 DPR 633/72.",
        "Pagamento: " + rng.choice(["bancomat", "carta di credito", "bonifico bancario", "contanti"]) + ".",
    ]
    if doc.stamp_duty:
        notes.append("Imposta di bollo assolta sull'originale.")
    for note in notes:
        runs.append(Run(20, y, note, size * 0.8))
        y += size * 1.6
    return Layout(210, 297, runs, rules, True)


def _receipt_letter(doc: Doc, rng: random.Random) -> Layout:
    """A dentist's or doctor's receipt written as a sentence, on half an A4 page."""
    runs: list[Run] = []
    size = rng.uniform(3.2, 4.0)
    y = 15.0
    runs.append(Run(105, y, doc.provider_name, size * 1.4, True, "center"))
    y += size * 2.4
    runs.append(Run(105, y, f"{doc.provider_address} - {doc.provider_city_line}", size * 0.85, align="center"))
    y += size * 1.6
    runs.append(Run(105, y, f"{doc.provider_tax_label} {doc.provider_tax_code}", size * 0.85, align="center"))
    y += size * 4
    runs.append(Run(20, y, f"Ricevuta n. {doc.number}", size * 1.1, True))
    runs.append(Run(190, y, f"{doc.provider_city_line.split(' ')[1]}, {doc.date_text}", size, align="right"))
    y += size * 3
    runs.append(Run(20, y, f"Ricevo dal/dalla Sig./Sig.ra {doc.patient_name}", size))
    y += size * 1.8
    runs.append(Run(20, y, f"codice fiscale {doc.patient_cf}", size))
    y += size * 1.8
    runs.append(Run(20, y, f"la somma di {euro(doc.total)} per le seguenti prestazioni sanitarie:", size))
    y += size * 2.2
    for description, price in doc.items:
        runs.append(Run(28, y, f"- {description}", size))
        runs.append(Run(190, y, euro(price), size, align="right"))
        y += size * 1.8
    if doc.stamp_duty:
        runs.append(Run(28, y, "- Imposta di bollo", size))
        runs.append(Run(190, y, euro(doc.stamp_duty), size, align="right"))
        y += size * 1.8
    y += size
    runs.append(Run(120, y, "Totale", size * 1.1, True))
    runs.append(Run(190, y, euro(doc.total), size * 1.1, True, "right"))
    y += size * 3
    runs.append(Run(20, y, "Prestazione esente IVA art. 10 DPR 633/72.", size * 0.8))
    return Layout(210, 160, runs, [], True)


def _scontrino(doc: Doc, rng: random.Random) -> Layout:
    """A pharmacy's documento commerciale (scontrino parlante): 80 mm wide, monospaced."""
    runs: list[Run] = []
    size = rng.uniform(2.6, 3.1)
    y = 6.0
    for text in (doc.provider_name, doc.provider_address, doc.provider_city_line,
                 f"{doc.provider_tax_label} {doc.provider_tax_code}"):  # fmt: skip
        runs.append(Run(40, y, text, size, text == doc.provider_name, "center"))
        y += size * 1.6
    y += size
    runs.append(Run(40, y, "DOCUMENTO COMMERCIALE", size, True, "center"))
    y += size * 1.5
    runs.append(Run(40, y, "di vendita o prestazione", size, align="center"))
    y += size * 2.2
    runs.append(Run(4, y, "DESCRIZIONE", size))
    runs.append(Run(76, y, "IVA PREZZO(€)", size, align="right"))
    y += size * 1.8
    for description, price in doc.items:
        runs.append(Run(4, y, description[:22], size))
        runs.append(Run(76, y, f"10% {euro(price, symbol=False)}", size, align="right"))
        y += size * 1.6
    y += size * 0.6
    runs.append(Run(4, y, "TOTALE COMPLESSIVO", size * 1.15, True))
    runs.append(Run(76, y, euro(doc.total, symbol=False), size * 1.15, True, "right"))
    y += size * 1.8
    vat = (doc.total * Decimal("0.0909")).quantize(Decimal("0.01"))
    runs.append(Run(4, y, "DI CUI IVA", size))
    runs.append(Run(76, y, euro(vat, symbol=False), size, align="right"))
    y += size * 1.8
    runs.append(Run(4, y, rng.choice(["PAGAMENTO ELETTRONICO", "PAGAMENTO CONTANTE"]), size))
    runs.append(Run(76, y, euro(doc.total, symbol=False), size, align="right"))
    y += size * 2.4
    runs.append(Run(4, y, f"{doc.date_text} {rng.randint(8, 19):02d}:{rng.randint(0, 59):02d}", size))
    y += size * 1.6
    runs.append(Run(4, y, f"DOCUMENTO N. {doc.number}", size))
    y += size * 1.6
    runs.append(Run(4, y, f"C.F. CLIENTE: {doc.patient_cf}", size))
    y += size * 1.6
    runs.append(Run(4, y, f"RT {rng.choice('ABCDE')}{rng.randint(10000000, 99999999)}", size))
    return Layout(80, y + 10, runs, [], True)


def _ticket(doc: Doc, rng: random.Random) -> Layout:
    runs: list[Run] = []
    rules: list[tuple[float, float, float, float]] = []
    size = rng.uniform(3.0, 3.5)
    y = 14.0
    runs.append(Run(20, y, "SERVIZIO SANITARIO NAZIONALE", size * 0.9))
    y += size * 1.8
    runs.append(Run(20, y, doc.provider_name, size * 1.3, True))
    y += size * 2.2
    runs.append(Run(20, y, f"{doc.provider_address} - {doc.provider_city_line}", size * 0.85))
    y += size * 1.6
    runs.append(Run(20, y, f"{doc.provider_tax_label} {doc.provider_tax_code}", size * 0.85))
    y += size * 4
    runs.append(Run(20, y, "RICEVUTA DI PAGAMENTO TICKET", size * 1.2, True))
    y += size * 3
    for label, value in (("Numero ricevuta", doc.number), ("Data", doc.date_text), ("Assistito", doc.patient_name),
                         ("Codice fiscale", doc.patient_cf)):  # fmt: skip
        runs.append(Run(20, y, label, size))
        runs.append(Run(75, y, value, size, True))
        y += size * 1.9
    y += size
    y = _table(runs, rules, doc, y, 20, 190, size, rng)
    runs.append(Run(120, y, "Totale pagato", size * 1.1, True))
    runs.append(Run(190, y, euro(doc.total), size * 1.1, True, "right"))
    return Layout(210, y + 40, runs, rules, True)


LAYOUTS = {"studio": _invoice, "poli": _invoice, "ricevuta": _receipt_letter, "scontrino": _scontrino,
           "ticket": _ticket}  # fmt: skip


def _font(family: str, bold: bool, px: int) -> ImageFont.FreeTypeFont:
    regular, heavy = FONTS[family]
    return ImageFont.truetype(str(FONT_DIR / (heavy if bold else regular)), max(px, 6))


def _render_image(layout: Layout, family: str, dpi: int) -> Image.Image:
    scale = dpi / 25.4
    image = Image.new("L", (round(layout.width * scale), round(layout.height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in layout.rules:
        draw.line([(x0 * scale, y0 * scale), (x1 * scale, y1 * scale)], fill=60, width=max(1, round(scale / 4)))
    for run in layout.runs:
        font = _font(family, run.bold, round(run.size * scale))
        anchor = {"left": "la", "right": "ra", "center": "ma"}[run.align]
        draw.text((run.x * scale, run.y * scale), run.text, fill=20, font=font, anchor=anchor)
    return image


def _stamp(image: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    """A rubber stamp ("PAGATO", the practice's round stamp) in blue or red ink, rotated, partly over the text."""
    scale = dpi / 25.4
    w, h = round(48 * scale), round(22 * scale)
    stamp = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(stamp)
    draw.rounded_rectangle([2, 2, w - 3, h - 3], radius=round(3 * scale), outline=255, width=max(2, round(scale / 2)))
    font = _font("sans", True, round(7 * scale))
    draw.text((w / 2, h / 2), rng.choice(["PAGATO", "QUIETANZATO", "ORIGINALE"]), fill=255, font=font, anchor="mm")
    stamp = stamp.rotate(rng.uniform(-25, 25), expand=True, resample=Image.Resampling.BICUBIC)
    x = rng.randint(0, max(0, image.width - stamp.width))
    y = rng.randint(image.height // 3, max(image.height // 3, image.height - stamp.height))
    ink = Image.new("RGB", stamp.size, rng.choice([(40, 60, 170), (190, 40, 40)]))
    mask = stamp.point(lambda v: int(v * 0.75))
    image.paste(ink, (x, y), mask)
    return image


def _scribbles(image: Image.Image, rng: random.Random, dpi: int) -> None:
    """Handwriting-like marks: a signature, a tick, an underline, in pen."""
    scale = dpi / 25.4
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(1, 3)):
        x, y = rng.uniform(0.1, 0.8) * image.width, rng.uniform(0.3, 0.95) * image.height
        points = []
        for step in range(40):
            x += rng.uniform(0.3, 1.6) * scale
            y += math.sin(step / rng.uniform(1.5, 3)) * rng.uniform(0.5, 2.0) * scale
            points.append((x, y))
        draw.line(points, fill=(20, 30, 90), width=max(1, round(scale / 3)), joint="curve")


def _noise(image: Image.Image, rng: random.Random, amount: float) -> Image.Image:
    """Scan noise: specks of dust and dropouts on a share of the pixels."""
    if amount <= 0:
        return image
    pixels = image.load()
    assert pixels is not None
    count = int(image.width * image.height * amount)
    for _ in range(count):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        pixels[x, y] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
    return image


def _photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """A photo of paper: uneven light, grey-yellow paper, a slightly soft focus."""
    w, h = image.size
    light = Image.linear_gradient("L").resize((w, h)).rotate(rng.choice([0, 90, 180, 270]))
    depth = rng.uniform(0.25, 0.4)
    light = light.point(lambda v: int(255 - v * depth))
    tint = Image.new("RGB", (w, h), (235, 228, 205))
    paper = Image.composite(image, tint, image.convert("L").point(lambda v: 255 if v < 200 else 0))
    shaded = Image.merge("RGB", [Image.composite(band, Image.new("L", (w, h), 0), light) for band in paper.split()])
    shaded = Image.blend(paper, shaded, 0.6)
    return shaded.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))


def _pdf_text_layer(layout: Layout, family: str) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    regular, heavy = FONTS[family]
    for name, file in ((f"corpus-{family}", regular), (f"corpus-{family}-bold", heavy)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(layout.width * mm, layout.height * mm))
    for x0, y0, x1, y1 in layout.rules:
        pdf.line(x0 * mm, (layout.height - y0) * mm, x1 * mm, (layout.height - y1) * mm)
    for run in layout.runs:
        font = f"corpus-{family}-bold" if run.bold else f"corpus-{family}"
        size = run.size * mm * 1.0
        pdf.setFont(font, size)
        baseline = (layout.height - run.y) * mm - size * 0.8
        {"left": pdf.drawString, "right": pdf.drawRightString, "center": pdf.drawCentredString}[run.align](
            run.x * mm, baseline, run.text
        )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def sample(seed: int, *, layout: str | None = None, text_layer: bool | None = None, clean: bool = False) -> Sample:
    """Document number `seed` of the corpus; `clean` draws it straight, at 200 dpi, without stamps or noise."""
    rng = random.Random(seed)
    layout = layout or rng.choice(["studio", "studio", "poli", "ricevuta", "scontrino", "ticket"])
    doc = _content(rng, layout)
    family = "mono" if layout == "scontrino" else rng.choice(["sans", "serif", "condensed", "sans"])
    drawn = LAYOUTS[layout](doc, rng)
    drawn_text_layer = rng.random() < 0.15
    text_layer = (drawn_text_layer and not clean) if text_layer is None else text_layer
    variant: dict[str, object] = {"font": family, "text_layer": text_layer}
    if text_layer:
        content, content_type = _pdf_text_layer(drawn, family), "application/pdf"
    else:
        dpi = 200 if clean else rng.choice([100, 120, 150, 150, 200, 200])
        image = _render_image(drawn, family, dpi).convert("RGB")
        angle = 0.0 if clean else rng.uniform(-10, 10)
        stamp = not clean and rng.random() < 0.5
        scribbles = not clean and rng.random() < 0.4
        photo = not clean and rng.random() < 0.25
        noise = 0.0 if clean else rng.choice([0.0, 0.0, 0.002, 0.005, 0.01])
        if stamp:
            image = _stamp(image, rng, dpi)
        if scribbles:
            _scribbles(image, rng, dpi)
        if photo:
            image = _photo(image, rng)
        image = _noise(image, rng, noise)
        if angle:
            fill = (235, 228, 205) if photo else (255, 255, 255)
            image = image.rotate(angle, expand=True, fillcolor=fill, resample=Image.Resampling.BICUBIC)
        quality = 90 if clean else rng.choice([50, 65, 80, 90])
        content, content_type = _jpeg(image, quality), "image/jpeg"
        variant.update(dpi=dpi, angle=round(angle, 1), stamp=stamp, scribbles=scribbles, photo=photo, noise=noise,
                       jpeg_quality=quality)  # fmt: skip
    truth = Truth(
        layout=layout,
        doc_type=doc.doc_type,
        number=doc.number,
        date=doc.date.isoformat(),
        amount=f"{doc.total:.2f}",
        provider_tax_code=doc.provider_tax_code,
        provider_name=doc.provider_name,
        patient_fiscal_code=doc.patient_cf,
        province=doc.province,
        variant=variant,
    )
    return Sample(content=content, content_type=content_type, truth=truth)
