from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxConfig(AppConfig):
    name = "mutua.tax"
    verbose_name = _("Comunicazione all'Agenzia delle Entrate")
