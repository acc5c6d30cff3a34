from django.contrib import admin

from mutua.plans.models import Contribution, Enrollment, Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "yearly_fee", "is_active"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["member", "plan", "start_date", "end_date"]
    list_select_related = ["member", "plan"]
    raw_id_fields = ["member"]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["member", "year", "amount_due", "amount_paid", "paid_on", "method"]
    list_select_related = ["member"]
    raw_id_fields = ["member", "enrollment"]
