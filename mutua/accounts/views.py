"""The guide's sign-in journey: Primo accesso, Validazione email e cellulare, Password dimenticata."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from allauth.account.internal.stagekit import stash_login
from allauth.account.stages import LoginStage, LoginStageController
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mutua.accounts import contacts
from mutua.accounts import password_reset as reset
from mutua.accounts.codes import CodeError, code_resend_wait
from mutua.accounts.first_access import (
    FirstAccessProof,
    consent_record,
    first_access_code_send,
    first_access_complete,
    first_access_contacts_set,
    first_access_path_for,
    first_access_proof_check,
)
from mutua.accounts.forms import (
    CodesForm,
    ContactsForm,
    FirstAccessForm,
    FirstAccessProofForm,
    ResetCodeForm,
    SetPasswordForm,
    UsernameForm,
)
from mutua.accounts.models import CodePurpose, FirstAccessPath, User
from mutua.core import ratelimit
from mutua.members.models import Member, PrivacyNotice

RESET_SESSION_KEY = "mutua_password_reset"
# First access: the 5-minute limits alone would allow 2 880 guesses a day at a 6-digit code, day after day. A day
# allows a few codes and a few checks per member (a member who mistypes needs a handful), and many per address.
DAY = 24 * 60 * 60
DAY_IP_LIMIT = 500
FIRST_ACCESS_SENDS_PER_DAY = 8
FIRST_ACCESS_CHECKS_PER_DAY = 20
logger = logging.getLogger(__name__)


def _stage_or_restart(request: HttpRequest, key: str) -> LoginStage | None:
    stage = LoginStageController.enter(request, key)
    if stage is None:
        messages.warning(request, _("La procedura di accesso è scaduta o non è valida: accedi di nuovo."))
    return stage


def limited(
    request: HttpRequest,
    form: forms.Form | None,
    scope: str,
    *,
    key: str = "",
    ip_limit: int = 30,
    key_limit: int = 10,
    period: int = 300,
) -> bool:
    """Whether this step is over its rate limit; if so the reason is on the form, or a message when there is none."""
    refusal = ratelimit.check(request, scope, ip_limit=ip_limit, key=key, key_limit=key_limit, period=period)
    if refusal is None:
        return False
    if form is not None:
        form.add_error(None, refusal.message)
    else:
        messages.error(request, refusal.message)
    return True


def _masked_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:2]}•••@{domain}"


def _masked_mobile(e164: str) -> str:
    return f"••• ••• {e164[-4:]}"


def _first_access_proof(request: HttpRequest, stage: LoginStage, member: Member) -> HttpResponse:
    """Before the form: the code sent to the registry's contacts (sent on arrival), or an activation letter's."""
    user: User = stage.login.user
    path = first_access_path_for(member)
    letter = path == FirstAccessPath.LETTER
    action = request.POST.get("action", "verify") if request.method == "POST" else ""

    def send() -> bool:
        if limited(request, None, "first_access_code", key=user.username, ip_limit=20, key_limit=5) or limited(
            request,
            None,
            "first_access_code_day",
            key=user.username,
            ip_limit=DAY_IP_LIMIT,
            key_limit=FIRST_ACCESS_SENDS_PER_DAY,
            period=DAY,
        ):
            return False
        try:
            first_access_code_send(member=member)
        except CodeError as exc:
            messages.info(request, exc.message)
            return False
        return True

    if not letter and not stage.state.get("code_sent"):
        send()  # on arrival; the resend wait keeps a reload from sending another
        stage.state["code_sent"] = True
        stash_login(request, stage.login)
    if action == "resend":
        if not letter and send():
            messages.success(request, _("Ti abbiamo inviato un nuovo codice: inserisci l'ultimo ricevuto."))
        return redirect("accounts:first_access")
    form = FirstAccessProofForm(request.POST if action == "verify" else None, letter=letter)
    if (
        action == "verify"
        and not limited(request, form, "first_access_proof", key=user.username, key_limit=10)
        and not limited(
            request,
            form,
            "first_access_proof_day",
            key=user.username,
            ip_limit=DAY_IP_LIMIT,
            key_limit=FIRST_ACCESS_CHECKS_PER_DAY,
            period=DAY,
        )
        and form.is_valid()
    ):
        try:
            proof = first_access_proof_check(member=member, code=form.cleaned_data["code"])
        except CodeError as exc:
            form.add_error("code", exc.message)
        else:
            stage.state["proof"] = {"path": proof.path.value, "activation_id": proof.activation_id}
            stash_login(request, stage.login)
            return redirect("accounts:first_access")
    contacts = []
    if member.email:
        contacts.append(_masked_email(member.email))
    if member.mobile:
        contacts.append(_masked_mobile(member.mobile.as_e164))
    context = {
        "form": form,
        "member": member,
        "letter": letter,
        "contacts": contacts,
        "resend_wait": 0 if letter else code_resend_wait(user=user, purpose=CodePurpose.FIRST_ACCESS),
        "infocenter_email": settings.MUTUA_INFOCENTER_EMAIL,
    }
    return render(request, "accounts/first_access_proof.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def first_access(request: HttpRequest) -> HttpResponse:
    stage = _stage_or_restart(request, "first_access")
    if stage is None:
        return redirect("account_login")
    user: User = stage.login.user
    member = Member.objects.get(user=user)
    notice = PrivacyNotice.objects.order_by("-published_at").first()
    if notice is None:  # a deployment without a published notice cannot collect consent
        logger.error("first access blocked: no PrivacyNotice is published")
        messages.error(request, _("Il primo accesso non è disponibile in questo momento: riprova più tardi."))
        return cast(HttpResponse, stage.abort())  # allauth's stages are untyped
    proven = stage.state.get("proof")
    if not proven:  # the derived password alone never opens the form
        return _first_access_proof(request, stage, member)
    proof = FirstAccessProof(FirstAccessPath(proven["path"]), proven["activation_id"])
    form = FirstAccessForm(
        request.POST or None,
        user=user,
        initial={"email": member.email, "mobile": member.mobile.as_national if member.mobile else ""},
    )
    if request.method == "POST" and not limited(request, form, "first_access", key=user.username) and form.is_valid():
        data = form.cleaned_data
        if not data["privacy"]:
            consent_record(member=member, notice=notice, given=False, request=request)
            form.add_error(
                "privacy",
                _(
                    "Senza il consenso al trattamento dei dati personali non possiamo fornirti i servizi "
                    "dell'area soci. Se hai dubbi scrivi a %(email)s."
                )
                % {"email": settings.MUTUA_INFOCENTER_EMAIL},
            )
        else:
            try:
                first_access_complete(
                    user=user,
                    password=data["new_password1"],
                    email=data["email"],
                    mobile=data["mobile"],
                    notice=notice,
                    proof=proof,
                    request=request,
                )
            except CodeError as exc:
                form.add_error(None, exc.message)
            else:
                stage.login.user = User.objects.get(pk=user.pk)
                return cast(HttpResponse, stage.exit())  # allauth's stages are untyped
    return render(request, "accounts/first_access.html", {"form": form, "member": member, "notice": notice})


def contact_codes_step(request: HttpRequest, *, member: Member, actor: AbstractBaseUser) -> tuple[CodesForm, str]:
    """ "Validazione email e cellulare", shared by first access and "Dati anagrafici": the form for the codes sent to
    the contacts waiting for them (mutua.accounts.contacts). The POST action "resend" sends new codes, "verify"
    checks them. Returns the form to show and what happened: "verified", "resent" (redirect: a message says how it
    went) or "" (show the page, with the form's errors)."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = CodesForm(
        request.POST if action == "verify" else None, fields=[t.field for t in contacts.contact_targets(member)]
    )
    if action == "resend":
        if not limited(request, None, "send_codes", key=member.code, ip_limit=20, key_limit=6):
            try:
                contacts.contact_codes_send(member=member)
            except CodeError as exc:
                messages.warning(request, exc.message)
            else:
                messages.success(request, _("Ti abbiamo inviato nuovi codici: inserisci gli ultimi ricevuti."))
        return form, "resent"
    if (
        action == "verify"
        and not limited(request, form, "verify_codes", key=member.code, key_limit=15)
        and form.is_valid()
    ):
        try:
            contacts.contacts_verify(
                member=member,
                actor=actor,
                email_code=form.cleaned_data.get("email_code", ""),
                sms_code=form.cleaned_data.get("sms_code", ""),
                request=request,
            )
        except contacts.ContactCodesError as exc:
            for error in exc.errors:
                form.add_error(error.field, error.message)
        else:
            return form, "verified"
    return form, ""


def contact_codes_context(member: Member, form: CodesForm) -> dict[str, Any]:
    """What the shared codes component (accounts/_contact_codes.html) shows."""
    targets = {t.purpose: t for t in contacts.contact_targets(member)}
    return {
        "form": form,
        "email_target": targets.get(CodePurpose.EMAIL),
        "mobile_target": targets.get(CodePurpose.MOBILE),
        "resend_wait": contacts.contact_codes_wait(member=member),
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def verify_contacts(request: HttpRequest) -> HttpResponse:
    """First access, one page in four steps: check the contacts, confirm where codes go, enter the codes, done."""
    stage = _stage_or_restart(request, "verify_contacts")
    if stage is None:
        return redirect("account_login")
    member = Member.objects.select_related("user").get(user=stage.login.user)
    step = stage.state.get("step", "edit")
    action = request.POST.get("action", "")
    context: dict[str, Any] = {"member": member}

    def go(next_step: str) -> HttpResponse:
        stage.state["step"] = next_step
        stash_login(request, stage.login)
        return redirect("accounts:verify_contacts")

    if step == "done" or member.contacts_verified:
        if request.method == "POST" and action == "continue":
            return cast(HttpResponse, stage.exit())  # allauth's stages are untyped
        stage.state["step"] = "done"
        stash_login(request, stage.login)
        return render(request, "accounts/verify_contacts_done.html", context)

    if step == "confirm":
        if request.method == "POST" and action == "back":
            return go("edit")
        if (
            request.method == "POST"
            and action == "send"
            and not limited(request, None, "send_codes", key=member.code, ip_limit=20, key_limit=6)
        ):
            try:
                contacts.contact_codes_send(member=member)
            except CodeError as exc:
                messages.info(request, exc.message)
            return go("codes")
        return render(request, "accounts/verify_contacts_confirm.html", context)

    if step == "codes":
        if request.method == "POST" and action == "back":
            return go("edit")
        assert member.user is not None
        form, outcome = contact_codes_step(request, member=member, actor=member.user)
        if outcome == "verified":
            return go("done")
        if outcome == "resent":
            return go("codes")
        return render(request, "accounts/verify_contacts_codes.html", context | contact_codes_context(member, form))

    edit = ContactsForm(
        request.POST or None,
        initial={"email": member.email, "mobile": member.mobile.as_national if member.mobile else ""},
    )
    if request.method == "POST" and edit.is_valid():
        first_access_contacts_set(
            member=member, email=edit.cleaned_data["email"], mobile=edit.cleaned_data["mobile"], request=request
        )
        return go("confirm")
    return render(request, "accounts/verify_contacts_edit.html", context | {"form": edit})


@login_not_required
def first_access_instructions(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/first_access_instructions.html")


# --- Password dimenticata ---------------------------------------------------------------------------------


def _reset_state(request: HttpRequest) -> dict[str, Any] | None:
    state = request.session.get(RESET_SESSION_KEY)
    if not isinstance(state, dict) or time.time() - state.get("started", 0) > settings.CODE_TTL_SECONDS:
        return None
    return state


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = UsernameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if not limited(request, form, "password_reset", key=username, ip_limit=20, key_limit=5):
            reset.password_reset_request(username=username, request=request)
            request.session[RESET_SESSION_KEY] = {"username": username, "started": time.time(), "sent": time.time()}
            return redirect("accounts:password_reset_code")
    return render(request, "accounts/password_reset.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset_code(request: HttpRequest) -> HttpResponse:
    """The answers never depend on whether the username exists (mutua.accounts.password_reset)."""
    state = _reset_state(request)
    if state is None:
        messages.warning(request, _("La procedura è scaduta: inserisci di nuovo la tua username."))
        return redirect("accounts:password_reset")
    action = request.POST.get("action", "verify")
    form = ResetCodeForm(request.POST if action == "verify" else None)
    wait = max(0, int(state["sent"] + settings.CODE_RESEND_SECONDS - time.time()))
    if request.method == "POST" and action == "resend":
        if wait:
            messages.warning(request, _("Potrai richiedere un nuovo codice tra %(n)d secondi.") % {"n": wait})
        elif not limited(request, None, "password_reset", key=state["username"], ip_limit=20, key_limit=5):
            reset.password_reset_request(username=state["username"], request=request)
            state["sent"] = time.time()
            request.session[RESET_SESSION_KEY] = state
            messages.success(
                request,
                _("Se la username è registrata ti abbiamo inviato un nuovo codice: inserisci l'ultimo ricevuto."),
            )
        return redirect("accounts:password_reset_code")
    if request.method == "POST" and not limited(request, form, "reset_code", key=state["username"]) and form.is_valid():
        try:
            user = reset.password_reset_code_check(
                username=state["username"], code=form.cleaned_data["code"], asked_at=state["sent"]
            )
        except CodeError as exc:
            form.add_error("code", exc.message)
        else:
            state["user_id"] = user.pk
            request.session[RESET_SESSION_KEY] = state
            return redirect("accounts:password_reset_new")
    return render(request, "accounts/password_reset_code.html", {"form": form, "resend_wait": wait})


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset_new(request: HttpRequest) -> HttpResponse:
    state = _reset_state(request)
    user_id = state.get("user_id") if state else None
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if state is None or user is None:
        messages.warning(request, _("La procedura è scaduta: inserisci di nuovo la tua username."))
        return redirect("accounts:password_reset")
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        reset.password_reset_complete(user=user, password=form.cleaned_data["new_password1"], request=request)
        del request.session[RESET_SESSION_KEY]
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset_new.html", {"form": form})


@login_not_required
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")
