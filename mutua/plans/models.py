from django.db import models
from django.utils.translation import gettext_lazy as _

from mutua.core.models import TimestampedModel
from mutua.members.models import Beneficiary, Member


class Plan(models.Model):
    """A benefit plan (forma di assistenza). Coverage rules are added as data by the back-office issue."""

    code = models.CharField(_("codice"), max_length=20, unique=True)
    name = models.CharField(_("nome"), max_length=120)
    description = models.TextField(_("descrizione"), blank=True)
    yearly_fee = models.DecimalField(_("contributo annuo"), max_digits=10, decimal_places=2)
    family_fee = models.DecimalField(_("contributo annuo per familiare"), max_digits=10, decimal_places=2, default=0)
    is_active = models.BooleanField(_("attiva"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("forma di assistenza")
        verbose_name_plural = _("forme di assistenza")

    def __str__(self) -> str:
        return self.name


class Enrollment(TimestampedModel):
    """A member (and the beneficiaries listed) in a plan from a date (adesione)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="enrollments")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="enrollments")
    start_date = models.DateField(_("attiva dal"))
    end_date = models.DateField(_("fino al"), null=True, blank=True)
    beneficiaries = models.ManyToManyField(Beneficiary, blank=True, related_name="enrollments")

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("adesione")
        verbose_name_plural = _("adesioni")
        constraints = [
            models.UniqueConstraint(fields=["member", "plan", "start_date"], name="enrollment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member.code} → {self.plan.code}"


class ContributionMethod(models.TextChoices):
    SDD = "sdd", _("Addebito diretto SEPA")
    TRANSFER = "transfer", _("Bonifico")
    PAYROLL = "payroll", _("Trattenuta in busta paga")
    CARD = "card", _("Carta di pagamento")


class Contribution(models.Model):
    """A payment by the member for a competence year; `family_part` is what covers family members."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contributions")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="contributions")
    year = models.PositiveSmallIntegerField(_("anno di competenza"))
    period = models.CharField(_("periodo"), max_length=40, blank=True)
    amount_due = models.DecimalField(_("importo dovuto"), max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField(_("importo versato"), max_digits=10, decimal_places=2, default=0)
    family_part = models.DecimalField(_("di cui per i familiari"), max_digits=10, decimal_places=2, default=0)
    paid_on = models.DateField(_("data di pagamento"), null=True, blank=True)
    method = models.CharField(_("modalità"), max_length=10, choices=ContributionMethod.choices, blank=True)

    class Meta:
        ordering = ["year", "paid_on"]
        verbose_name = _("contributo")
        verbose_name_plural = _("contributi")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_paid__gte=0), name="contribution_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member.code} {self.year}"
