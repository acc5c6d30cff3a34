from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mutua.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, user_logged_in
        from allauth.mfa import signals as mfa
        from django.core import checks

        from mutua.accounts import middleware, services
        from mutua.accounts.mfa_secrets import secret_keys_check

        checks.register(secret_keys_check, deploy=True)

        # allauth owns the password and two-factor pages; we record each change and tell the member.
        password_changed.connect(services.password_changed_record, dispatch_uid="mutua_password_changed")
        mfa.authenticator_added.connect(services.authenticator_added_record, dispatch_uid="mutua_mfa_added")
        mfa.authenticator_removed.connect(services.authenticator_removed_record, dispatch_uid="mutua_mfa_removed")
        mfa.authenticator_reset.connect(services.authenticator_reset_record, dispatch_uid="mutua_mfa_reset")
        mfa.authentication_failed.connect(services.authentication_failed_record, dispatch_uid="mutua_mfa_failed")
        # allauth records a new session at sign-in; the session tracking then leaves it alone for a minute.
        user_logged_in.connect(middleware.session_seen_at_sign_in, dispatch_uid="mutua_session_seen_at_sign_in")
