"""The portal reads the expense document a member adds to a draft and proposes its fields (issue 20).

1. **Read early.** When the member chooses a file on the draft page, the page's script sends it to `reading_start`,
   which checks it like any upload, keeps a private copy and queues `read_file` for the worker; the member goes on
   filling in the form. Without JavaScript nothing of this happens, and the form works as before.
2. **Read in the worker.** `file_reading_run` reads the copy (or the attachment's file) with
   `mutua.documents.reading` and stores the proposals (value, page, box) and the text. It never logs the text.
3. **Proposed, never decided.** The page asks `reading_proposals` for the values, shown next to the fields as "letto
   dal documento" with the spot highlighted on the page image (`reading_page_image`); the member confirms or
   corrects each, and sends the form as before.
4. **Tied to the document.** When the document is saved, `readings_attach` ties each reading to the attachment with
   the same content (SHA-256) and deletes the copy; an attachment without a reading (added without JavaScript, or
   a second file) is read in the worker too. The operator sees the text and the checks it enables in review.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from PIL import Image, ImageDraw, ImageFont

from mutua.accounts.models import User
from mutua.claims.models import Attachment, Claim, ClaimStatus, FileReading, ReadingStatus
from mutua.claims.services.transitions import ClaimError
from mutua.members.models import Member
from mutua.providers.models import Provider

logger = logging.getLogger("mutua.reading")

PAGE_IMAGE_WIDTH = 900


class ReadingRejected(ClaimError):
    pass


def reading_start(*, claim: Claim, actor: User, upload: Any) -> FileReading:
    """A file chosen on the draft page: checked like an attachment, kept as a private copy, read by the worker."""
    from mutua.documents.uploads import SCAN_KINDS, SCAN_MAX_BYTES, UploadRejected, inspect_upload

    try:
        info = inspect_upload(upload, kinds=SCAN_KINDS, max_bytes=SCAN_MAX_BYTES)
    except UploadRejected as exc:
        raise ReadingRejected(exc.message) from exc
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.DRAFT:
            raise ClaimError(_("La pratica è già stata inviata: non si può più modificare."))
        reading = FileReading(claim=locked, content_type=info.content_type, sha256=info.sha256)
        upload.seek(0)
        reading.file.save("file", ContentFile(upload.read()), save=False)
        reading.save()
        try:
            read_file.enqueue(pk=reading.pk)
        except Exception:  # the reading is a convenience: a queue problem must not lose the member's file choice
            logger.exception("reading: could not queue reading %s", reading.pk)
    return reading


def readings_attach(*, claim: Claim, attachments: Sequence[Attachment]) -> None:
    """Tie the draft's loose readings to the attachments of the same content; queue a reading for the others.

    Runs in the caller's transaction (the document's): a rolled-back document ties and queues nothing.
    """
    loose = {r.sha256: r for r in FileReading.objects.filter(claim=claim, attachment__isnull=True)}
    for attachment in attachments:
        reading = loose.pop(attachment.sha256, None)
        if reading is not None:
            copy = reading.file.name
            reading.attachment = attachment
            reading.file = ""
            reading.save(update_fields=["attachment", "file"])
            if copy:
                transaction.on_commit(functools.partial(reading.file.storage.delete, copy))
        else:
            reading = FileReading.objects.create(
                claim=claim, attachment=attachment, content_type=attachment.content_type, sha256=attachment.sha256
            )
            read_file.enqueue(pk=reading.pk)
    loose_readings_delete(claim=claim, readings=list(loose.values()))


def loose_readings_delete(*, claim: Claim, readings: list[FileReading] | None = None) -> None:
    """Readings of files the member chose but did not save with a document: gone, with their copies, once the
    document is saved, the draft sent or purged. In the caller's transaction; the copies go after it commits."""
    if readings is None:
        readings = list(FileReading.objects.filter(claim=claim, attachment__isnull=True))
    copies = [(r.file.storage, r.file.name) for r in readings if r.file and r.file.name]
    FileReading.objects.filter(pk__in=[r.pk for r in readings]).delete()
    for storage, name in copies:
        transaction.on_commit(functools.partial(storage.delete, name))


def _content(reading: FileReading) -> bytes | None:
    stored = reading.file if reading.file else (reading.attachment.file if reading.attachment else None)
    if not stored:
        return None
    try:
        with stored.open("rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError:
        return None


def file_reading_run(*, pk: int) -> FileReading | None:
    """Read one file and store what was found; safe to run twice (a reading already done is left alone)."""
    from mutua.documents.reading import OcrUnavailable, document_read

    reading = FileReading.objects.select_related("attachment").filter(pk=pk).first()
    if reading is None or reading.status != ReadingStatus.PENDING:
        return reading
    content = _content(reading)
    update: dict[str, object] = {"read_at": timezone.now()}
    if content is None:
        update["status"] = ReadingStatus.FAILED
    else:
        try:
            result = document_read(content, reading.content_type, today=timezone.localdate())
        except OcrUnavailable as error:
            logger.error("reading %s: Tesseract could not run: %s", pk, str(error)[:200])
            update["status"] = ReadingStatus.FAILED
        except Exception:  # a file the reader cannot make sense of: the member types the fields, as before
            logger.exception("reading %s failed", pk)
            update["status"] = ReadingStatus.FAILED
        else:
            update.update(
                status=ReadingStatus.DONE,
                method=result.method,
                page_angles=result.page_angles,
                text=result.text[:50_000],
                proposals={
                    name: {"value": p.value, "page": p.page, "box": [round(v, 4) for v in p.box]}
                    for name, p in result.proposals.items()
                },
            )
            logger.info("reading %s: %s, %d values in %.2f s", pk, result.method, len(result.proposals), result.seconds)
    FileReading.objects.filter(pk=pk, status=ReadingStatus.PENDING).update(**update)
    return FileReading.objects.filter(pk=pk).first()


@task()
def read_file(*, pk: int) -> None:
    """The worker's side of `file_reading_run`."""
    file_reading_run(pk=pk)


# --- What the draft page shows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormProposal:
    field: str  # the document form's field
    value: str  # as the form takes it
    shown: str  # as the member reads it
    page: int
    box: list[float]


def reading_proposals(*, reading: FileReading, member: Member) -> list[FormProposal]:
    """The proposals in the document form's terms: the amount the Italian way, the holder picked by the patient's
    codice fiscale when it is the member's or a family member's."""
    from mutua.core.formatting import format_eur

    result: list[FormProposal] = []
    values: dict[str, Any] = reading.proposals or {}

    def add(field: str, value: str, shown: str, found: dict[str, Any]) -> None:
        result.append(FormProposal(field, value, shown, int(found["page"]), list(found["box"])))

    labels = {"fattura": _("Fattura"), "ricevuta": _("Ricevuta")}
    if "doc_type" in values and values["doc_type"]["value"] in labels:
        found = values["doc_type"]
        add("doc_type", found["value"], labels[found["value"]], found)
    if "number" in values:
        add("number", values["number"]["value"], values["number"]["value"], values["number"])
    if "issue_date" in values:
        iso = values["issue_date"]["value"]
        add("issue_date", iso, f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}", values["issue_date"])
    if "amount" in values:
        amount = Decimal(values["amount"]["value"])
        typed = f"{amount:.2f}".replace(".", ",")
        add("amount", typed, format_eur(amount), values["amount"])
    network = _network_provider(values)
    if network is not None:
        # The partita IVA read is a provider of the network's: its name and province as the network knows them,
        # highlighted where they are read (else on the P.IVA).
        tax_code = values["provider_tax_code"]
        add("provider_province", network.province, network.province, values.get("provider_province", tax_code))
        add("provider_name", network.name, network.name, values.get("provider_name", tax_code))
    else:
        if "provider_province" in values:
            add("provider_province", values["provider_province"]["value"], values["provider_province"]["value"],
                values["provider_province"])  # fmt: skip
        if "provider_name" in values:
            add("provider_name", values["provider_name"]["value"], values["provider_name"]["value"],
                values["provider_name"])  # fmt: skip
    if "patient_fiscal_code" in values:
        code = values["patient_fiscal_code"]["value"]
        holder = None
        if code == member.fiscal_code.upper():
            holder = ("socio", member.full_name)
        else:
            for b in member.beneficiaries.all():
                if b.fiscal_code.upper() == code:
                    holder = (str(b.pk), f"{b.first_name} {b.last_name}")
        if holder:
            add("holder", holder[0], holder[1], values["patient_fiscal_code"])
    return result


def _network_provider(values: dict[str, Any]) -> Provider | None:
    """The provider of the network whose partita IVA is the one read, when exactly one has it."""
    code = str(values.get("provider_tax_code", {}).get("value", ""))
    if len(code) != 11 or not code.isdigit():  # a codice fiscale (a person's practice) is no partita IVA
        return None
    found = list(Provider.objects.filter(vat_number=code)[:2])
    return found[0] if len(found) == 1 else None


def reading_page_image(*, reading: FileReading, page: int = 1) -> bytes | None:
    """The page as it was read, as a PNG the member sees with the proposals highlighted on it: the straightened scan,
    or for a PDF with a text layer its words drawn where they stand."""
    from mutua.documents.reading import MAX_PAGES
    from mutua.documents.reading.ocr import prepare

    content = _content(reading)
    if content is None or reading.status != ReadingStatus.DONE or not 1 <= page <= MAX_PAGES:
        return None
    image: Image.Image | None = None
    if reading.method == "text":
        image = _text_page(reading, page)
    else:
        from pypdf import PdfReader

        from mutua.documents.reading import pdf_scans

        if reading.content_type == "application/pdf":
            scans = pdf_scans(PdfReader(io.BytesIO(content)))
            source = scans[page - 1] if len(scans) >= page else None
        else:
            source = Image.open(io.BytesIO(content))
            if page > 1:
                source.seek(page - 1)
        if source is not None:
            image = prepare(source).image
    if image is None:
        return None
    image.thumbnail((PAGE_IMAGE_WIDTH, PAGE_IMAGE_WIDTH * 2))
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _text_page(reading: FileReading, page: int) -> Image.Image | None:
    from pypdf import PdfReader

    from mutua.documents.reading.textlayer import page_words

    content = _content(reading)
    if content is None:
        return None
    pdf = PdfReader(io.BytesIO(content))
    if page > len(pdf.pages):
        return None
    pdf_page = pdf.pages[page - 1]
    width = PAGE_IMAGE_WIDTH
    height = round(width * float(pdf_page.mediabox.height) / float(pdf_page.mediabox.width))
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for word in page_words(pdf_page):
        x0, y0, x1, y1 = word.box
        size = max(int((y1 - y0) * height * 0.8), 6)
        font = ImageFont.load_default(size=size)
        draw.text((x0 * width, y0 * height), word.text, fill=0, font=font)
    return image
