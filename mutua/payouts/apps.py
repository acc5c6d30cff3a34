from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "mutua.payouts"
    verbose_name = _("Pagamenti")

    def ready(self) -> None:
        from django.core import checks

        from mutua.payouts.checks import sepa_debtor_iban_check, sepa_debtor_iban_deploy_check

        checks.register(sepa_debtor_iban_check)
        checks.register(sepa_debtor_iban_deploy_check, deploy=True)
