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


class User(AbstractUser):
    """A sign-in identity. Members sign in with their 12-digit code; operators with their own username."""

    role = models.CharField(_("ruolo"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    first_access_completed_at = models.DateTimeField(_("primo accesso completato il"), null=True, blank=True)
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
