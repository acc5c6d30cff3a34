from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mutua.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed

        from mutua.accounts.services import password_changed_record

        # allauth owns the password-change page; we record the change and tell the member.
        password_changed.connect(password_changed_record, dispatch_uid="mutua_password_changed")
