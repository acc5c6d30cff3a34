"""The fixed study subsidies of the recent calls: € 100 licenza media, € 150 diploma, € 200 laurea triennale,
€ 250 laurea magistrale. Later calls are added as data (admin), not by migration."""

from decimal import Decimal

from django.db import migrations

AMOUNTS = {
    "middle": Decimal("100.00"),
    "high": Decimal("150.00"),
    "bachelor": Decimal("200.00"),
    "master": Decimal("250.00"),
}
YEARS = (2024, 2025, 2026)


def seed(apps, schema_editor):
    Rate = apps.get_model("claims", "StudySubsidyRate")
    for year in YEARS:
        for school_type, amount in AMOUNTS.items():
            Rate.objects.get_or_create(school_type=school_type, call_year=year, defaults={"amount": amount})


def unseed(apps, schema_editor):
    Rate = apps.get_model("claims", "StudySubsidyRate")
    Rate.objects.filter(call_year__in=YEARS, school_type__in=AMOUNTS).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_study_subsidy_rate")]

    operations = [migrations.RunPython(seed, unseed)]
