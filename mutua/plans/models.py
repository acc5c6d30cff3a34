from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from mutua.core.models import TimestampedModel
from mutua.members.models import Beneficiary, Member


class DocumentType(models.TextChoices):
    """The kinds of expense and supporting documents a claim holds; a plan may limit each (PlanDocumentLimit)."""

    FATTURA = "fattura", _("Fattura")
    RICEVUTA = "ricevuta", _("Ricevuta")
    CARTELLA_CLINICA = "cartella_clinica", _("Cartella clinica")
    CERTIFICATO_OSPEDALIERO = "certificato_ospedaliero", _("Certificato ospedaliero")
    CERTIFICATO_DATORE_LAVORO = "certificato_datore_lavoro", _("Certificato datore di lavoro")
    CERTIFICATO_NASCITA = "certificato_nascita", _("Certificato di nascita")
    CERTIFICATO_SCOLASTICO = "certificato_scolastico", _("Certificato della segreteria scolastica")


class Plan(models.Model):
    """A benefit plan (forma di assistenza). Coverage rules are added as data by the back-office issue."""

    code = models.CharField(_("codice"), max_length=20, unique=True)
    name = models.CharField(_("nome"), max_length=120)
    description = models.TextField(_("descrizione"), blank=True)
    yearly_fee = models.DecimalField(_("contributo annuo"), max_digits=10, decimal_places=2)
    family_fee = models.DecimalField(_("contributo annuo per familiare"), max_digits=10, decimal_places=2, default=0)
    is_active = models.BooleanField(_("attiva"), default=True)
    # Coverage rules (docs/domain.md, Coverage rules), read by mutua.plans.coverage. An empty ceiling or deadline
    # is no limit.
    reimbursement_pct = models.DecimalField(
        _("percentuale di rimborso"), max_digits=5, decimal_places=2, default=Decimal("100.00")
    )
    deductible = models.DecimalField(_("franchigia per documento"), max_digits=10, decimal_places=2, default=0)
    minimum_withheld = models.DecimalField(_("minimo dello scoperto"), max_digits=10, decimal_places=2, default=0)
    beneficiary_ceiling = models.DecimalField(
        _("massimale annuo per assistito"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    family_ceiling = models.DecimalField(
        _("massimale annuo per nucleo familiare"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    waiting_days = models.PositiveSmallIntegerField(_("carenza (giorni dall'adesione)"), default=0)
    submission_days = models.PositiveSmallIntegerField(
        _("termine di invio (giorni dalla spesa)"), null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("forma di assistenza")
        verbose_name_plural = _("forme di assistenza")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reimbursement_pct__gte=0, reimbursement_pct__lte=100),
                name="plan_reimbursement_pct_range",
            ),
            models.CheckConstraint(
                condition=models.Q(deductible__gte=0, minimum_withheld__gte=0), name="plan_withheld_not_negative"
            ),
            models.CheckConstraint(
                condition=(models.Q(beneficiary_ceiling__isnull=True) | models.Q(beneficiary_ceiling__gte=0))
                & (models.Q(family_ceiling__isnull=True) | models.Q(family_ceiling__gte=0)),
                name="plan_ceilings_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlanDocumentLimit(models.Model):
    """The most a plan recognises for one document of a type (tariffa massima); zero means the type is not covered."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="document_limits")
    doc_type = models.CharField(_("tipo documento"), max_length=30)
    max_amount = models.DecimalField(_("importo massimo per documento"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["plan", "doc_type"]
        verbose_name = _("limite per tipo di documento")
        verbose_name_plural = _("limiti per tipo di documento")
        constraints = [
            models.UniqueConstraint(fields=["plan", "doc_type"], name="plan_document_limit_unique"),
            models.CheckConstraint(condition=models.Q(max_amount__gte=0), name="plan_document_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.doc_type}: {self.max_amount}"


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


class ContributionChannel(models.TextChoices):
    """How the contribution reached the mutual: paid by the member, or withheld from the pay by the employer."""

    DIRECT = "direct", _("Versamento diretto")
    PAYROLL = "payroll", _("Trattenuta in busta paga")


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
    channel = models.CharField(
        _("canale"), max_length=10, choices=ContributionChannel.choices, default=ContributionChannel.DIRECT
    )
    payer = models.CharField(_("versato da"), max_length=140, blank=True)
    # The registry's own identifier of the payment: what a re-import matches a row with. Empty for contributions
    # entered in the admin.
    registry_code = models.CharField(_("codice nel registro"), max_length=40, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["year", "paid_on"]
        verbose_name = _("contributo")
        verbose_name_plural = _("contributi")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_paid__gte=0), name="contribution_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member.code} {self.year}"


class DeductionCap(models.Model):
    """The yearly ceiling on the member's own contributions that count for the 19% tax credit, from a tax year on.

    Kept as data because the law changes it: € 1.291,14 until 2017 (art. 15 c. 1 lett. i-bis TUIR), € 1.300 since
    2018 (art. 83 c. 5 D.Lgs. 117/2017). The row with the latest `from_year` not after a tax year applies to it.
    """

    from_year = models.PositiveSmallIntegerField(_("dall'anno d'imposta"), unique=True)
    amount = models.DecimalField(_("limite annuo detraibile"), max_digits=10, decimal_places=2)
    legal_reference = models.CharField(_("riferimento normativo"), max_length=200)

    class Meta:
        ordering = ["-from_year"]
        verbose_name = _("limite di detraibilità dei contributi")
        verbose_name_plural = _("limiti di detraibilità dei contributi")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deduction_cap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.from_year}: {self.amount}"
