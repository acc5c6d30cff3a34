from django import forms
from django.contrib import admin

from mutua.plans.models import Contribution, DeductionCap, DocumentType, Enrollment, Plan, PlanDocumentLimit


class PlanDocumentLimitForm(forms.ModelForm[PlanDocumentLimit]):
    doc_type = forms.ChoiceField(
        label=PlanDocumentLimit._meta.get_field("doc_type").verbose_name, choices=DocumentType.choices
    )

    class Meta:
        model = PlanDocumentLimit
        fields = ["doc_type", "max_amount"]


class PlanDocumentLimitInline(admin.TabularInline[PlanDocumentLimit, Plan]):
    """Coverage rules per document type: the most recognised for one document (zero: not covered)."""

    model = PlanDocumentLimit
    form = PlanDocumentLimitForm
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    list_display = ["code", "name", "yearly_fee", "reimbursement_pct", "beneficiary_ceiling", "is_active"]
    inlines = [PlanDocumentLimitInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ["member", "plan", "start_date", "end_date"]
    list_select_related = ["member", "plan"]
    raw_id_fields = ["member"]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin[Contribution]):
    list_display = ["member", "year", "amount_due", "amount_paid", "paid_on", "method"]
    list_select_related = ["member"]
    raw_id_fields = ["member", "enrollment"]


@admin.register(DeductionCap)
class DeductionCapAdmin(admin.ModelAdmin[DeductionCap]):
    list_display = ["from_year", "amount", "legal_reference"]
