"""The operators' sign-in page: their own usernames (letters allowed), then allauth's second-factor stage.

The members' page takes a user code of digits only, so operators sign in here. Members get the same answer as
a wrong password: the page reveals nothing about which accounts exist or what they are.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.views import LoginView
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutua.accounts.forms import LoginForm
from mutua.backoffice.permissions import Action, can


class StaffLoginForm(LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("Username"),
            max_length=150,
            widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
            error_messages={"required": _("Inserisci la username.")},
        )
        self.order_fields(["login", "password"])

    def clean_login(self) -> str:
        return str(self.cleaned_data["login"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        user = getattr(self, "user", None)
        if user is not None and not can(user, Action.VIEW):
            self.user = None
            self._login = None
            raise get_adapter(self.request).validation_error("username_password_mismatch")
        return cleaned


class StaffLoginView(LoginView):
    form_class = StaffLoginForm
    template_name = "backoffice/login.html"

    def get_form_class(self) -> type[StaffLoginForm]:
        return StaffLoginForm  # not ACCOUNT_FORMS["login"], the members' form

    def get_success_url(self) -> str:
        return str(super().get_success_url() or reverse("backoffice:worklist"))


staff_login = StaffLoginView.as_view()
