from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from phonenumber_field.modelfields import PhoneNumberField

from mutua.core.models import TimestampedModel
from mutua.core.provinces import province_choices
from mutua.members.validators import validate_cap, validate_fiscal_code, validate_iban, validate_user_code


class RegionalOffice(models.Model):
    code = models.CharField(_("codice"), max_length=10, unique=True)
    name = models.CharField(_("nome"), max_length=120)
    region = models.CharField(_("regione"), max_length=60)
    address = models.CharField(_("indirizzo"), max_length=200)
    phone = models.CharField(_("telefono"), max_length=30)
    email = models.EmailField(_("email"))
    opening_hours = models.CharField(_("orari"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sede regionale")
        verbose_name_plural = _("sedi regionali")

    def __str__(self) -> str:
        return self.name


class MemberKind(models.TextChoices):
    ORDINARY = "ordinary", _("Socio (matricola)")
    COLLECTIVE = "collective", _("Assistito da accordo collettivo (codice utente)")


class Sex(models.TextChoices):
    MALE = "M", _("Maschio")
    FEMALE = "F", _("Femmina")


class PostalAddress(models.TextChoices):
    RESIDENCE = "residence", _("Residenza")
    DOMICILE = "domicile", _("Domicilio")


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bonifico bancario")


class NoticeCategory(models.TextChoices):
    """What a notice is about: the member chooses the channels of each ("Avvisi" on Profilo).

    Codes and security notices have no category: they are always sent.
    """

    CLAIMS = "claims", _("Pratiche")
    BOOKINGS = "bookings", _("Prenotazioni")
    REMINDERS = "reminders", _("Promemoria")
    NEWS = "news", _("Novità dalla mutua")


class NoticeChannels(models.TextChoices):
    """Where a notice of one category goes besides the portal, which always keeps it (the bell, "Notifiche")."""

    EMAIL_SMS = "email_sms", _("E-mail e SMS")
    EMAIL = "email", _("Solo e-mail")
    SMS = "sms", _("Solo SMS")
    PORTAL = "portal", _("Solo nel portale")

    @property
    def email(self) -> bool:
        return self in (NoticeChannels.EMAIL_SMS, NoticeChannels.EMAIL)

    @property
    def sms(self) -> bool:
        return self in (NoticeChannels.EMAIL_SMS, NoticeChannels.SMS)


def notice_channels_field(label: StrOrPromise, default: str) -> models.CharField[str, str]:
    return models.CharField(label, max_length=9, choices=NoticeChannels.choices, default=default)


class Member(TimestampedModel):
    """A person holding a membership; `code` is their username (matricola or codice utente)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="member"
    )
    code = models.CharField(_("matricola / codice utente"), max_length=12, unique=True, validators=[validate_user_code])
    kind = models.CharField(_("tipo"), max_length=12, choices=MemberKind.choices, default=MemberKind.ORDINARY)
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, unique=True, validators=[validate_fiscal_code])
    first_name = models.CharField(_("nome"), max_length=100)
    last_name = models.CharField(_("cognome"), max_length=100)
    sex = models.CharField(_("sesso"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("data di nascita"))
    birth_place = models.CharField(_("luogo di nascita"), max_length=100, blank=True)
    residence_street = models.CharField(_("residenza: indirizzo"), max_length=200, blank=True)
    residence_cap = models.CharField(_("residenza: CAP"), max_length=5, blank=True, validators=[validate_cap])
    residence_city = models.CharField(_("residenza: comune"), max_length=100, blank=True)
    residence_province = models.CharField(
        _("residenza: provincia"), max_length=2, blank=True, choices=province_choices()
    )
    domicile_street = models.CharField(_("domicilio: indirizzo"), max_length=200, blank=True)
    domicile_number = models.CharField(_("domicilio: numero civico"), max_length=10, blank=True)
    domicile_cap = models.CharField(_("domicilio: CAP"), max_length=5, blank=True, validators=[validate_cap])
    domicile_city = models.CharField(_("domicilio: comune"), max_length=100, blank=True)
    domicile_province = models.CharField(
        _("domicilio: provincia"), max_length=2, blank=True, choices=province_choices()
    )
    postal_address = models.CharField(
        _("indirizzo per la corrispondenza"),
        max_length=10,
        choices=PostalAddress.choices,
        default=PostalAddress.RESIDENCE,
    )
    email = models.EmailField(_("email"), blank=True)
    email_verified_at = models.DateTimeField(_("email verificata il"), null=True, blank=True)
    # The address the mail provider reported undeliverable (hard bounce, complaint): while it is still `email`, the
    # member is asked to change it and notices are not e-mailed to it (mutua.members.bounces).
    email_bounced = models.EmailField(_("email non recapitabile"), blank=True, db_default="")
    email_bounced_at = models.DateTimeField(_("email non recapitabile dal"), null=True, blank=True)
    email_bounce_reason = models.CharField(_("motivo del mancato recapito"), max_length=200, blank=True, db_default="")
    mobile = PhoneNumberField(_("cellulare"), blank=True, region="IT")
    mobile_verified_at = models.DateTimeField(_("cellulare verificato il"), null=True, blank=True)
    # A new e-mail or mobile from "Aggiorna i dati anagrafici" waits here until the member enters the code sent
    # to it; until then the verified one above stays in use.
    pending_email = models.EmailField(_("nuova email da verificare"), blank=True)
    pending_mobile = PhoneNumberField(_("nuovo cellulare da verificare"), blank=True, region="IT")
    payment_method = models.CharField(
        _("modalità di pagamento"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    account_holder = models.CharField(_("intestatario del conto"), max_length=140, blank=True)
    regional_office = models.ForeignKey(
        RegionalOffice, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    # Set when a full export of the registry no longer lists the member: an operator checks; nothing is deleted.
    registry_missing_since = models.DateField(_("assente dal registro dal"), null=True, blank=True)
    # "Avvisi": the channels of each NoticeCategory, named notify_<category> (mutua.members.notices reads them so).
    notify_claims = notice_channels_field(_("avvisi sulle pratiche"), NoticeChannels.EMAIL_SMS)
    notify_bookings = notice_channels_field(_("avvisi sulle prenotazioni"), NoticeChannels.EMAIL_SMS)
    notify_reminders = notice_channels_field(_("promemoria"), NoticeChannels.EMAIL_SMS)
    notify_news = notice_channels_field(_("novità dalla mutua"), NoticeChannels.PORTAL)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("socio")
        verbose_name_plural = _("soci")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    notify_claims__in=NoticeChannels.values,
                    notify_bookings__in=NoticeChannels.values,
                    notify_reminders__in=NoticeChannels.values,
                    notify_news__in=NoticeChannels.values,
                ),
                name="member_notice_channels_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_domicile(self) -> bool:
        """An empty domicile means it coincides with the residence (the guide's default)."""
        return bool(self.domicile_street)

    @property
    def has_pending_contacts(self) -> bool:
        return bool(self.pending_email or self.pending_mobile)

    def notice_channels(self, category: str) -> NoticeChannels:
        """The channels the member chose for notices of `category`."""
        return NoticeChannels(getattr(self, f"notify_{NoticeCategory(category).value}"))

    @property
    def email_undeliverable(self) -> bool:
        """The mail provider refused the member's current e-mail (a bounce or a complaint): they must change it."""
        return bool(self.email and self.email_bounced and self.email_bounced.lower() == self.email.lower())

    @property
    def contacts_verified(self) -> bool:
        """E-mail verified, and the mobile too when one is given."""
        return bool(self.email and self.email_verified_at and (not self.mobile or self.mobile_verified_at))


class MemberChange(models.Model):
    """Append-only: one row per field a change of the member's data touched, with the value before and after.

    Operators read these rows (the admin for now) to see who changed what and when. The IBAN is kept in full
    here because operators must be able to check a payment against it; it never goes to the AuditEvent payload.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("data della modifica"), db_index=True)
    field = models.CharField(_("dato"), max_length=40)
    old_value = models.CharField(_("valore precedente"), max_length=254, blank=True)
    new_value = models.CharField(_("nuovo valore"), max_length=254, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("versione dei dati del socio")
        verbose_name_plural = _("versioni dei dati dei soci")
        indexes = [models.Index(fields=["member", "-changed_at"], name="memberchange_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.field} {self.changed_at:%Y-%m-%d %H:%M}"

    @admin.display(description=_("dato"))
    def field_label(self) -> str:
        field = Member._meta.get_field(self.field)
        return str(getattr(field, "verbose_name", self.field))


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("Coniuge")
    PARTNER = "partner", _("Convivente")
    CHILD = "child", _("Figlio/a")
    OTHER = "other", _("Altro familiare")


class Beneficiary(TimestampedModel):
    """A family member entitled to benefits through the member."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="beneficiaries")
    relationship = models.CharField(_("parentela"), max_length=10, choices=Relationship.choices)
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, validators=[validate_fiscal_code])
    first_name = models.CharField(_("nome"), max_length=100)
    last_name = models.CharField(_("cognome"), max_length=100)
    birth_date = models.DateField(_("data di nascita"))

    class Meta:
        ordering = ["birth_date"]
        verbose_name = _("familiare avente diritto")
        verbose_name_plural = _("familiari aventi diritto")
        constraints = [
            models.UniqueConstraint(fields=["member", "fiscal_code"], name="beneficiary_unique_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PrivacyNotice(models.Model):
    """A published version of the privacy notice (informativa); its hash proves what was shown."""

    version = models.CharField(_("versione"), max_length=20, unique=True)
    title = models.CharField(_("titolo"), max_length=200)
    body = models.TextField(_("testo"))
    sha256 = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(_("pubblicata il"))

    class Meta:
        ordering = ["-published_at"]
        get_latest_by = "published_at"
        verbose_name = _("informativa privacy")
        verbose_name_plural = _("informative privacy")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.sha256 = hashlib.sha256(self.body.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("Trattamento dei dati personali, anche sanitari, per fornire il servizio")
    NEWSLETTER = "newsletter", _("Ricevere per email notizie e iniziative della mutua")
    SURVEYS = "surveys", _("Partecipare ai questionari sulla qualità del servizio")


# Purposes a member may give or withdraw at any time from "I miei consensi", without consequences on the service.
OPTIONAL_PURPOSES = (ConsentPurpose.NEWSLETTER, ConsentPurpose.SURVEYS)


class ConsentChannel(models.TextChoices):
    PORTAL = "portal", _("Area soci")
    PAPER = "paper", _("Modulo cartaceo")


class Consent(models.Model):
    """Append-only: one row per choice a member makes about one purpose of one notice version."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consents")
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="consents")
    notice_sha256 = models.CharField(max_length=64)
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField()
    channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consenso")
        verbose_name_plural = _("consensi")

    def __str__(self) -> str:
        return f"{self.member_id} {self.purpose} {'sì' if self.given else 'no'}"
