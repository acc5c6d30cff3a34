"""Forms of "Prenota"; they clean input into the services' data classes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mutua.bookings.models import Booking, VisitType
from mutua.bookings.rules import notice_respected
from mutua.bookings.services import BookingDetails, too_early_message
from mutua.core.provinces import provinces
from mutua.documents.forms import MultipleFileField
from mutua.members.models import Member
from mutua.providers.models import Provider
from mutua.providers.selectors import direct_form_providers, direct_form_provinces

MEMBER_HOLDER = "socio"
PHONE = re.compile(r"\+?[\d\s./-]{6,20}")
MAX_TEXT = 1000


class DetailsForm(forms.Form):
    """Step 1, "Dati preliminari"."""

    holder = forms.ChoiceField(label=_("Presa in carico di"))
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Presa dai tuoi Dati anagrafici: puoi modificarla solo per questa richiesta."),
        error_messages={"required": _("Indica un indirizzo email."), "invalid": _("Indica un indirizzo email valido.")},
    )
    phone = forms.CharField(
        label=_("Telefono"),
        max_length=30,
        required=False,
        help_text=_("Preso dai tuoi Dati anagrafici: puoi modificarlo solo per questa richiesta."),
    )
    appointment_date = forms.DateField(
        label=_("Data della prenotazione"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indica la data dell'appuntamento preso con la struttura."),
            "invalid": _("Inserisci una data valida, ad esempio 15/03/2027."),
        },
    )
    appointment_time = forms.TimeField(
        label=_("Orario della prenotazione"),
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Indica l'orario dell'appuntamento."),
            "invalid": _("Inserisci un orario valido, ad esempio 09:30."),
        },
    )
    provider_province = forms.ChoiceField(
        label=_("Provincia fornitore"), error_messages={"required": _("Scegli la provincia della struttura.")}
    )
    provider = forms.ModelChoiceField(
        label=_("Fornitore"),
        queryset=Provider.objects.none(),
        empty_label=_("Scegli prima la provincia, poi la struttura"),
        error_messages={
            "required": _("Scegli la struttura convenzionata presso cui hai prenotato."),
            "invalid_choice": _("Scegli una struttura della provincia indicata."),
        },
    )
    notes = forms.CharField(
        label=pgettext_lazy("prenotazione", "Note"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, member: Member, booking: Booking | None = None, **kwargs: Any) -> None:
        if booking is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "holder": str(booking.beneficiary_id) if booking.beneficiary_id else MEMBER_HOLDER,
                "email": booking.email,
                "phone": booking.phone,
                "appointment_date": booking.appointment_date,
                "appointment_time": booking.appointment_time,
                "provider_province": booking.provider.province if booking.provider else "",
                "provider": booking.provider_id,
                "notes": booking.notes,
            }
        super().__init__(*args, **kwargs)
        self.beneficiaries = {str(b.pk): b for b in member.beneficiaries.all()}
        holder = self.fields["holder"]
        assert isinstance(holder, forms.ChoiceField)
        holder.choices = [(MEMBER_HOLDER, f"{member.full_name} ({_t('socio')})")] + [
            (pk, f"{b.first_name} {b.last_name} ({b.get_relationship_display().lower()})")
            for pk, b in self.beneficiaries.items()
        ]
        names = provinces()
        province_field = self.fields["provider_province"]
        assert isinstance(province_field, forms.ChoiceField)
        province_field.choices = [("", _t("Scegli la provincia"))] + sorted(
            ((code, f"{names[code].name} ({code})") for code in direct_form_provinces() if code in names),
            key=lambda c: c[1],
        )
        province = self.data.get("provider_province") if self.is_bound else self.initial.get("provider_province")
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ModelChoiceField)
        provider_field.queryset = direct_form_providers(province=province) if province else Provider.objects.none()
        provider_field.label_from_instance = lambda p: f"{p.name} – {p.address}, {p.city}"  # type: ignore[method-assign,assignment]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.fullmatch(phone):
            raise forms.ValidationError(_t("Indica un numero di telefono valido, ad esempio 333 1234567."))
        return str(phone)

    def clean_appointment_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["appointment_date"]
        today = timezone.localdate()
        if day > today + dt.timedelta(days=366):
            raise forms.ValidationError(_t("La data è oltre un anno da oggi: controllala."))
        if not notice_respected(requested_on=today, appointment=day):
            raise forms.ValidationError(too_early_message(today=today))
        return day

    def clean_notes(self) -> str:
        return str(self.cleaned_data["notes"]).strip()

    def details(self) -> BookingDetails:
        c = self.cleaned_data
        return BookingDetails(
            beneficiary=self.beneficiaries.get(c["holder"]),
            email=c["email"],
            phone=c["phone"],
            appointment_date=c["appointment_date"],
            appointment_time=c["appointment_time"],
            provider=c["provider"],
            notes=c["notes"],
        )


class ServiceForm(forms.Form):
    """Step 2, "Tipo di prestazione": "Carica documento"."""

    visit_type = forms.ChoiceField(
        label=_("Tipo di visita"),
        choices=[("", _("Scegli il tipo di visita")), *VisitType.choices],
        error_messages={"required": _("Scegli il tipo di visita.")},
    )
    description = forms.CharField(
        label=_("Descrizione"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Descrivi la prestazione.")},
    )
    diagnosis = forms.CharField(
        label=_("Diagnosi"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indica la diagnosi.")},
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Scansione del documento"),
        required=False,
        help_text=_(
            "La prescrizione medica, se la richiede il regolamento: pdf, jpg, jpeg, tif o tiff, al massimo 2 MB."
        ),
    )

    def __init__(self, *args: Any, booking: Booking | None = None, **kwargs: Any) -> None:
        if booking is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "visit_type": booking.visit_type,
                "description": booking.description,
                "diagnosis": booking.diagnosis,
            }
        super().__init__(*args, **kwargs)

    def clean_description(self) -> str:
        return str(self.cleaned_data["description"]).strip()

    def clean_diagnosis(self) -> str:
        return str(self.cleaned_data["diagnosis"]).strip()
