"""The membership card (tessera associativa): a PDF and an SVG preview drawn from one layout, so the preview on the
Tessera page looks exactly like the card. Both are generated from the current data at every request.

The card is two faces of a real card (85,6 × 54 mm) side by side, to cut out and fold: the front with the holder
and a QR code linking to the public check of the card, the back with the plans and the entitled family members.
The QR code opens a signed link (`card_token`) that the public page checks against today's data, without any
stored row; the card's verification code is checked on /verifica/ the same way (`card_check`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, white
from reportlab.pdfbase.pdfmetrics import stringWidth

from mutua.core.formatting import format_date
from mutua.documents.drawing import Layout, Qr, Rect, Text, layout_draw, svg_shapes
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.pdf import (
    CONTENT_WIDTH,
    FONT,
    FONT_BOLD,
    GREY,
    MARGIN,
    PRIMARY,
    Column,
    PdfDocument,
    Row,
    pdf_text,
)
from mutua.documents.verification import MAX_INPUT_LENGTH, VerifiedDocument, document_issue, issue_day
from mutua.members.models import Beneficiary, Member, Relationship
from mutua.members.printing import member_code_label, member_lines
from mutua.plans.models import Enrollment

CARD_SALT = "mutua.documents.card"  # the name it was signed under from the start: cards already printed stay valid

MM = 72 / 25.4
CARD_WIDTH = 85.6 * MM
CARD_HEIGHT = 54.0 * MM
GAP = 0.0  # the faces touch: the fold line
PAD = 9.0
BAND = 32.0
QR_SIZE = 64.0
MAX_FAMILY_ON_CARD = 5
LIGHT = Color(0.93, 0.95, 0.98)
EDGE = Color(0.6, 0.6, 0.6)


@dataclass
class CardData:
    member: Member
    enrollments: list[Enrollment]
    family: list[Beneficiary]
    valid_until: dt.date | None
    today: dt.date
    code: str
    check_url: str

    @property
    def valid(self) -> bool:
        return bool(self.enrollments)


def card_token(*, member_id: int) -> str:
    """The signed part of the link printed as a QR code on the membership card; changing any character breaks it."""
    return signing.Signer(salt=CARD_SALT).sign(str(member_id))


def card_member_id(token: str) -> int | None:
    """The member a card link was signed for, or None if the link was altered or is not one."""
    if len(token) > MAX_INPUT_LENGTH * 2:
        return None
    try:
        value = signing.Signer(salt=CARD_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def card_valid_on(*, member_id: int, day: dt.date) -> bool:
    """A card is valid on a day when its holder has an adesione in force that day."""
    return (
        Enrollment.objects.filter(member_id=member_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def card_check(issued: IssuedDocument) -> VerifiedDocument | None:
    """/verifica/: a card's code stays valid while its holder has an adesione in force today."""
    if not card_valid_on(member_id=issued.object_id, day=timezone.localdate()):
        return None
    return VerifiedDocument(code=issued.code, kind=issued.kind, object_id=issued.object_id, issued_at=issued.issued_at)


def card_check_url(*, member: Member) -> str:
    """The public address of this card's check, signed: what the QR code on the card opens."""
    return settings.MUTUA_PUBLIC_URL + reverse("portal:card_check", kwargs={"token": card_token(member_id=member.pk)})


def card_data(*, member: Member, enrollments: Iterable[Enrollment], today: dt.date) -> CardData:
    """The card of `member` from the adesioni in force today (with plans and family members prefetched).

    Valid until the end of the year (contributions are yearly) or the earliest end of an adesione before then.
    The first card of the day records its verification code.
    """
    active = list(enrollments)
    family: dict[int, Beneficiary] = {}
    for enrollment in active:
        for beneficiary in enrollment.beneficiaries.all():
            family.setdefault(beneficiary.pk, beneficiary)
    valid_until = None
    if active:
        year_end = dt.date(today.year, 12, 31)
        ends = [e.end_date for e in active if e.end_date is not None and e.end_date < year_end]
        valid_until = max(ends) if len(ends) == len(active) else year_end
    code = document_issue(kind=DocumentKind.CARD, object_id=member.pk, issued_at=issue_day())
    return CardData(
        member=member,
        enrollments=active,
        family=sorted(family.values(), key=lambda b: (b.birth_date, b.pk)),
        valid_until=valid_until,
        today=today,
        code=code,
        check_url=card_check_url(member=member),
    )


def _fit(text: str, *, width: float, size: float, bold: bool = False) -> str:
    """`text` cut with an ellipsis so it fits `width` points."""
    value = pdf_text(text)
    font = FONT_BOLD if bold else FONT
    if stringWidth(value, font, size) <= width:
        return value
    while value and stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


def card_layout(data: CardData) -> Layout:
    """Both faces of the card, in points from the lower-left corner of the front."""
    member = data.member
    W, H = CARD_WIDTH, CARD_HEIGHT
    layout = Layout(width=2 * W + GAP, height=H)
    s = layout.shapes
    inner = W - 2 * PAD

    # Front.
    s.append(Rect(0, 0, W, H, fill=white, stroke=EDGE))
    s.append(Rect(0, H - BAND, W, BAND, fill=PRIMARY))
    s.append(Text(PAD, H - 14, _fit(settings.MUTUA_NAME, width=inner, size=10, bold=True), 10, True, white))
    s.append(Text(PAD, H - 25, _("Tessera associativa"), 7.5, False, white))
    text_width = inner - QR_SIZE - 6
    y = H - BAND - 17
    s.append(Text(PAD, y, _fit(member.full_name, width=text_width, size=11, bold=True), 11, True))
    code_label = member_code_label(member)
    for label, value in (
        (code_label, member.code),
        (_("Codice fiscale"), member.fiscal_code),
        (_("Valida fino al"), format_date(data.valid_until) if data.valid_until else _("non valida")),
    ):
        y -= 11
        s.append(Text(PAD, y, label, 6, False, GREY))
        y -= 9
        s.append(Text(PAD, y, _fit(value, width=text_width, size=8.5, bold=True), 8.5, True))
    s.append(Qr(W - PAD - QR_SIZE, PAD - 2, QR_SIZE, data.check_url))

    # Back.
    x0 = W + GAP
    s.append(Rect(x0, 0, W, H, fill=LIGHT, stroke=EDGE))
    y = H - PAD - 8
    s.append(Text(x0 + PAD, y, _("Forme di assistenza"), 7.5, True, PRIMARY))
    for enrollment in data.enrollments[:3]:
        y -= 10
        line = _("%(plan)s, attiva dal %(date)s") % {
            "plan": enrollment.plan.name,
            "date": format_date(enrollment.start_date),
        }
        s.append(Text(x0 + PAD, y, _fit(line, width=inner, size=7.5), 7.5))
    if len(data.enrollments) > 3:
        y -= 10
        more = _("e altre %(count)d: vedi l'elenco allegato") % {"count": len(data.enrollments) - 3}
        s.append(Text(x0 + PAD, y, more, 7, False, GREY))
    if not data.enrollments:
        y -= 10
        s.append(Text(x0 + PAD, y, _("Nessuna adesione attiva"), 7.5))
    y -= 15
    s.append(Text(x0 + PAD, y, _("Familiari aventi diritto"), 7.5, True, PRIMARY))
    shown = data.family[:MAX_FAMILY_ON_CARD] if len(data.family) <= MAX_FAMILY_ON_CARD else data.family[:4]
    for beneficiary in shown:
        y -= 9.5
        line = f"{beneficiary.first_name} {beneficiary.last_name} · {beneficiary.fiscal_code}"
        s.append(Text(x0 + PAD, y, _fit(line, width=inner, size=7), 7))
    if len(shown) < len(data.family):
        y -= 9.5
        more = _("e altri %(count)d: vedi l'elenco allegato") % {"count": len(data.family) - len(shown)}
        s.append(Text(x0 + PAD, y, more, 7, False, GREY))
    if not data.family:
        y -= 9.5
        s.append(Text(x0 + PAD, y, _("Nessuno"), 7))
    s.append(Text(x0 + PAD, PAD + 8, _("Codice di verifica"), 6, False, GREY))
    s.append(Text(x0 + PAD, PAD - 1, data.code, 7.5, True))
    s.append(
        Text(
            x0 + W - PAD,
            PAD - 1,
            _("Situazione al %(date)s") % {"date": format_date(data.today)},
            6,
            False,
            GREY,
            "end",
        )
    )
    return layout


# PDF


def card_pdf(*, data: CardData) -> bytes:
    """The card to print (both faces at real size), then the full list of plans and family members."""
    member = data.member
    title = _("Tessera associativa")
    pdf = PdfDocument(
        title=title,
        subject=member.full_name,
        footer_note=_("Codice di verifica %(code)s · generata il %(date)s")
        % {"code": data.code, "date": format_date(data.today)},
    )
    pdf.heading(title)
    pdf.paragraph(
        _("Ritaglia la tessera lungo il bordo e piegala a metà. Il codice QR permette di verificare che sia valida."),
        size=9,
        color=GREY,
    )
    pdf.space(12)
    layout = card_layout(data)
    x = MARGIN + (CONTENT_WIDTH - layout.width) / 2
    pdf.y -= layout.height
    layout_draw(pdf, layout, x=x, y=pdf.y)
    pdf.space(24)

    pdf.fields(
        [
            *member_lines(member),
            (_("Valida fino al"), format_date(data.valid_until) if data.valid_until else _("non valida")),
            (_("Situazione al"), format_date(data.today)),
        ],
        label_width=140,
    )
    pdf.space(10)
    pdf.heading(_("Forme di assistenza"), size=12)
    if data.enrollments:
        pdf.table(
            [Column(_("Forma di assistenza"), 260), Column(_("Attiva dal"), CONTENT_WIDTH - 260)],
            (Row(cells=[e.plan.name, format_date(e.start_date)]) for e in data.enrollments),
        )
    else:
        pdf.paragraph(_("Nessuna adesione attiva"))
    pdf.space(10)
    pdf.heading(_("Familiari aventi diritto"), size=12)
    if data.family:
        relationships = {value: str(label) for value, label in Relationship.choices}
        pdf.table(
            [
                Column(_("Nome e cognome"), 180),
                Column(_("Codice fiscale"), 140),
                Column(_("Data di nascita"), 90),
                Column(_("Parentela"), CONTENT_WIDTH - 410),
            ],
            (
                Row(
                    cells=[
                        f"{b.first_name} {b.last_name}",
                        b.fiscal_code,
                        format_date(b.birth_date),
                        relationships.get(b.relationship, b.relationship),
                    ]
                )
                for b in data.family
            ),
        )
    else:
        pdf.paragraph(_("Nessuno"))
    return pdf.finish()


# SVG preview


def card_svg(*, data: CardData, title: str, stacked: bool = False) -> str:
    """The preview of the card as an SVG image, drawn from the same layout as the PDF; `stacked` puts the back
    under the front, for narrow screens."""
    layout = card_layout(data)
    H = layout.height
    width, height = (CARD_WIDTH, 2 * H) if stacked else (layout.width, H)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.2f} {height:.2f}" '
        f'width="{width * 2:.0f}" height="{height * 2:.0f}" role="img">',
        f"<title>{escape(title)}</title>",
    ]
    front = [shape for shape in layout.shapes if shape.x < CARD_WIDTH]
    back = [shape for shape in layout.shapes if shape.x >= CARD_WIDTH]
    out.extend(svg_shapes(front, height=H))
    out.append(f'<g transform="translate({-CARD_WIDTH:.2f} {H:.2f})">' if stacked else "<g>")
    out.extend(svg_shapes(back, height=H))
    out.append("</g></svg>")
    return "".join(out)
