from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.documents.models import StoredFile, private_storage_name
from mutua.members.models import Beneficiary, Member
from mutua.providers.models import Provider


class BookingStatus(models.TextChoices):
    DRAFT = "draft", _("Bozza")
    SUBMITTED = "submitted", _("Inviata")
    TAKEN = "taken", _("Presa in carico")
    REFUSED = "refused", _("Rifiutata")
    CANCELLED = "cancelled", _("Annullata")


# The only moves a booking can make. The member cancels while "Inviata"; an operator may still cancel one taken
# in charge (the member phoned); refused and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.DRAFT: frozenset({BookingStatus.SUBMITTED}),
    BookingStatus.SUBMITTED: frozenset({BookingStatus.TAKEN, BookingStatus.REFUSED, BookingStatus.CANCELLED}),
    BookingStatus.TAKEN: frozenset({BookingStatus.CANCELLED}),
    BookingStatus.REFUSED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
}


class VisitType(models.TextChoices):
    SPECIALIST = "specialist", _("Visita specialistica")
    DIAGNOSTIC = "diagnostic", _("Accertamento diagnostico")
    HIGH_DIAGNOSTIC = "high_diagnostic", _("Alta diagnostica")
    LAB = "lab", _("Analisi di laboratorio")
    PHYSIOTHERAPY = "physiotherapy", _("Fisioterapia e riabilitazione")
    DENTAL = "dental", _("Cure odontoiatriche")
    SURGERY = "surgery", _("Intervento chirurgico")


class Booking(models.Model):
    """A direct-form appointment the member booked with a provider and communicates to the mutual (prenotazione).

    Kept as a draft on the server while the member fills the three steps; its history is the BookingEvent rows.
    `beneficiary` empty means the member themself; `email` and `phone` are the contacts for this request only.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("socio"))
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("presa in carico di"),
    )
    status = models.CharField(_("stato"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.DRAFT)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("telefono"), max_length=30, blank=True)
    appointment_date = models.DateField(_("data della prestazione"), null=True, blank=True)
    appointment_time = models.TimeField(_("orario della prestazione"), null=True, blank=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings", verbose_name=_("fornitore")
    )
    notes = models.TextField(_("note"), blank=True)
    visit_type = models.CharField(_("tipo di visita"), max_length=20, choices=VisitType.choices, blank=True)
    description = models.TextField(_("descrizione"), blank=True)
    diagnosis = models.TextField(_("diagnosi"), blank=True)
    # Sent back by "Invio prenotazione": a doubled or retried submission is recognised by it.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitted_at = models.DateTimeField(_("inviata il"), null=True, blank=True)
    # Set when an operator takes the booking in charge: what the provider and the member are told.
    authorization_code = models.CharField(_("codice di autorizzazione"), max_length=40, blank=True)
    valid_from = models.DateField(_("valida dal"), null=True, blank=True)
    valid_until = models.DateField(_("valida fino al"), null=True, blank=True)
    member_share = models.DecimalField(
        _("importo a carico del socio"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    updated_at = models.DateTimeField(_("aggiornata il"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("prenotazione")
        verbose_name_plural = _("prenotazioni")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=BookingStatus.values), name="booking_status_valid"),
            models.CheckConstraint(
                condition=models.Q(visit_type="") | models.Q(visit_type__in=VisitType.values),
                name="booking_visit_type_valid",
            ),
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="draft"), name="booking_one_draft"),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(
                    submitted_at__isnull=False,
                    provider__isnull=False,
                    appointment_date__isnull=False,
                    appointment_time__isnull=False,
                ),
                name="booking_sent_is_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="booking_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="booking_member_status_idx")]

    def __str__(self) -> str:
        return f"{_('Prenotazione')} {self.pk}"

    @property
    def patient_name(self) -> str:
        person = self.beneficiary or self.member
        return f"{person.first_name} {person.last_name}"

    @property
    def details_complete(self) -> bool:
        return bool(self.provider_id and self.appointment_date and self.appointment_time and self.email)

    @property
    def service_complete(self) -> bool:
        return bool(self.visit_type and self.description.strip() and self.diagnosis.strip())


def booking_attachment_upload_to(instance: BookingAttachment, filename: str) -> str:
    return private_storage_name("bookings")


class BookingAttachment(StoredFile):
    """The scanned medical prescription of a booking (pdf, jpg, jpeg, tif, tiff)."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("prenotazione")
    )
    file = models.FileField(_("file"), upload_to=booking_attachment_upload_to, max_length=200)

    class Meta(StoredFile.Meta):
        verbose_name = _("prescrizione")
        verbose_name_plural = _("prescrizioni")


class BookingEvent(models.Model):
    """One move of a booking between statuses, with who made it."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="events", verbose_name=_("prenotazione")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("autore"),
    )
    from_status = models.CharField(_("da"), max_length=10, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(_("a"), max_length=10, choices=BookingStatus.choices)
    note = models.TextField(_("nota"), blank=True)
    created_at = models.DateTimeField(_("data"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evento della prenotazione")
        verbose_name_plural = _("eventi della prenotazione")

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '-'} → {self.to_status}"
