from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("Socio")
    OPERATOR = "operator", _("Operatore")
    REGIONAL_OPERATOR = "regional_operator", _("Operatore di sede regionale")
    SUPERVISOR = "supervisor", _("Supervisore")
    ADMIN = "admin", _("Amministratore")


class FirstAccessPath(models.TextChoices):
    """How a member proved, at first access, that the account is theirs (besides the derived password)."""

    CONTACT = "contact", _("codice inviato ai recapiti del registro")
    LETTER = "letter", _("lettera di attivazione")


class User(AbstractUser):
    """A sign-in identity. Members sign in with their 12-digit code; operators with their own username."""

    role = models.CharField(_("ruolo"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    first_access_completed_at = models.DateTimeField(_("primo accesso completato il"), null=True, blank=True)
    first_access_path = models.CharField(
        _("primo accesso con"), max_length=10, choices=FirstAccessPath.choices, blank=True
    )
    # Private: stored under a random name in the default storage, served only to its owner by profile:photo.
    photo = models.FileField(_("foto del profilo"), upload_to="profile-photos/", blank=True, max_length=120)
    # Regional-office operators see only the members of this office (mutua.backoffice.permissions).
    regional_office = models.ForeignKey(
        "members.RegionalOffice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operators",
        verbose_name=_("sede regionale"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("utente")  # type: ignore[assignment]
        verbose_name_plural = _("utenti")  # type: ignore[assignment]
        constraints = [models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid")]

    @property
    def first_access_completed(self) -> bool:
        return self.first_access_completed_at is not None

    @property
    def photo_version(self) -> str:
        """Changes with every new photo, so browsers never show a replaced one from their cache."""
        return Path(self.photo.name or "").stem[:12]


class CodePurpose(models.TextChoices):
    EMAIL = "email", _("Verifica email")
    MOBILE = "mobile", _("Verifica cellulare")
    PASSWORD_RESET = "password_reset", _("Password dimenticata")
    FIRST_ACCESS = "first_access", _("Primo accesso")  # one code to every contact the registry has


class VerificationCode(models.Model):
    """A numeric one-time code sent to an e-mail or mobile. Only the newest of a user and purpose is valid."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verification_codes")
    purpose = models.CharField(max_length=20, choices=CodePurpose.choices)
    target = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="code_user_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class ActivationCode(models.Model):
    """The code of an activation letter: first access for a member whose registry record has no e-mail or mobile.

    Issued by an operator and printed on a letter (PDF); stored as an HMAC only. Valid ACTIVATION_CODE_DAYS, once;
    a new letter revokes the previous ones.
    """

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="activation_codes_issued", verbose_name=_("emessa da")
    )
    issued_at = models.DateTimeField(_("emessa il"), db_index=True)
    expires_at = models.DateTimeField(_("scade il"))
    used_at = models.DateTimeField(_("usata il"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocata il"), null=True, blank=True)

    class Meta:
        verbose_name = _("lettera di attivazione")
        verbose_name_plural = _("lettere di attivazione")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["member", "-issued_at"], name="activation_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.issued_at:%Y-%m-%d}"
