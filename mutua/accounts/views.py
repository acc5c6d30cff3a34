"""The guide's sign-in journey (Primo accesso, Validazione email e cellulare, Password dimenticata) and Profilo."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from allauth.account.internal.stagekit import stash_login
from allauth.account.stages import LoginStage, LoginStageController
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutua.accounts import services
from mutua.accounts.forms import (
    CodesForm,
    ContactsForm,
    FirstAccessForm,
    ProfilePhotoForm,
    ResetCodeForm,
    SetPasswordForm,
    UsernameForm,
)
from mutua.accounts.models import CodePurpose, User
from mutua.accounts.photos import PHOTO_CONTENT_TYPE
from mutua.accounts.selectors import authenticators_for, user_sessions_for
from mutua.audit.selectors import member_data_accesses_page as data_accesses_for
from mutua.core import ratelimit
from mutua.documents.uploads import UploadRejected
from mutua.members.models import Member, PrivacyNotice
from mutua.members.selectors import member_for_user

RESET_SESSION_KEY = "mutua_password_reset"
logger = logging.getLogger(__name__)


def _stage_or_restart(request: HttpRequest, key: str) -> LoginStage | None:
    stage = LoginStageController.enter(request, key)
    if stage is None:
        messages.warning(request, _("La procedura di accesso è scaduta o non è valida: accedi di nuovo."))
    return stage


def _limited(
    request: HttpRequest, form: forms.Form | None, scope: str, *, key: str = "", ip_limit: int = 30, key_limit: int = 10
) -> bool:
    limited = ratelimit.check(request, scope, ip_limit=ip_limit, key=key, key_limit=key_limit)
    if limited is None:
        return False
    if form is not None:
        form.add_error(None, limited.message)
    else:
        messages.error(request, limited.message)
    return True


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
        return stage.abort()
    form = FirstAccessForm(
        request.POST or None,
        user=user,
        initial={"email": member.email, "mobile": member.mobile.as_national if member.mobile else ""},
    )
    if request.method == "POST" and not _limited(request, form, "first_access", key=user.username) and form.is_valid():
        data = form.cleaned_data
        if not data["privacy"]:
            services.consent_record(member=member, notice=notice, given=False, request=request)
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
                services.first_access_complete(
                    user=user,
                    password=data["new_password1"],
                    email=data["email"],
                    mobile=data["mobile"],
                    notice=notice,
                    request=request,
                )
            except services.CodeError as exc:
                form.add_error(None, exc.message)
            else:
                stage.login.user = User.objects.get(pk=user.pk)
                return stage.exit()
    return render(request, "accounts/first_access.html", {"form": form, "member": member, "notice": notice})


STEPS = ("edit", "confirm", "codes", "done")


@login_not_required
@require_http_methods(["GET", "POST"])
def verify_contacts(request: HttpRequest) -> HttpResponse:
    """One page, four steps: check contacts, confirm where codes go, enter codes, done."""
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
            return stage.exit()
        stage.state["step"] = "done"
        stash_login(request, stage.login)
        return render(request, "accounts/verify_contacts_done.html", context)

    if step == "confirm":
        if request.method == "POST" and action == "back":
            return go("edit")
        if (
            request.method == "POST"
            and action == "send"
            and not _limited(request, None, "send_codes", key=member.code, ip_limit=20, key_limit=6)
        ):
            try:
                services.contacts_send_codes(member=member)
            except services.CodeError as exc:
                messages.info(request, exc.message)
            return go("codes")
        return render(request, "accounts/verify_contacts_confirm.html", context)

    if step == "codes":
        form = CodesForm(request.POST if action == "verify" else None, with_sms=bool(member.mobile))
        if request.method == "POST" and action == "back":
            return go("edit")
        if request.method == "POST" and action == "resend":
            if not _limited(request, None, "send_codes", key=member.code, ip_limit=20, key_limit=6):
                try:
                    services.contacts_send_codes(member=member)
                except services.CodeError as exc:
                    messages.warning(request, exc.message)
                else:
                    messages.success(request, _("Ti abbiamo inviato nuovi codici: inserisci gli ultimi ricevuti."))
            return go("codes")
        if (
            request.method == "POST"
            and action == "verify"
            and not _limited(request, form, "verify_codes", key=member.code, key_limit=15)
            and form.is_valid()
        ):
            try:
                services.contacts_verify(
                    member=member,
                    email_code=form.cleaned_data["email_code"],
                    sms_code=form.cleaned_data.get("sms_code", ""),
                    request=request,
                )
            except services.ContactCodesError as exc:
                for error in exc.errors:
                    form.add_error(error.field, error.message)
            else:
                return go("done")
        assert member.user is not None
        context |= {
            "form": form,
            "resend_wait": max(
                services.code_resend_wait(user=member.user, purpose=CodePurpose.EMAIL),
                services.code_resend_wait(user=member.user, purpose=CodePurpose.MOBILE) if member.mobile else 0,
            ),
        }
        return render(request, "accounts/verify_contacts_codes.html", context)

    contacts = ContactsForm(
        request.POST or None,
        initial={"email": member.email, "mobile": member.mobile.as_national if member.mobile else ""},
    )
    if request.method == "POST" and contacts.is_valid():
        services.contacts_update(
            member=member, email=contacts.cleaned_data["email"], mobile=contacts.cleaned_data["mobile"], request=request
        )
        return go("confirm")
    return render(request, "accounts/verify_contacts_edit.html", context | {"form": contacts})


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
        if not _limited(request, form, "password_reset", key=username, ip_limit=20, key_limit=5):
            with contextlib.suppress(services.CodeError):  # sent moments ago: the next page offers another
                services.password_reset_send(username=username, request=request)
            request.session[RESET_SESSION_KEY] = {"username": username, "started": time.time(), "sent": time.time()}
            return redirect("accounts:password_reset_code")
    return render(request, "accounts/password_reset.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset_code(request: HttpRequest) -> HttpResponse:
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
        elif not _limited(request, None, "password_reset", key=state["username"], ip_limit=20, key_limit=5):
            with contextlib.suppress(services.CodeError):
                services.password_reset_send(username=state["username"], request=request)
            state["sent"] = time.time()
            request.session[RESET_SESSION_KEY] = state
            messages.success(
                request,
                _("Se la username è registrata ti abbiamo inviato un nuovo codice: inserisci l'ultimo ricevuto."),
            )
        return redirect("accounts:password_reset_code")
    if (
        request.method == "POST"
        and not _limited(request, form, "reset_code", key=state["username"])
        and form.is_valid()
    ):
        target = services.password_reset_target(username=state["username"])
        try:
            if target.user is None:
                raise services.CodeError(
                    _("Il codice non è corretto. Controlla di aver inserito l'ultimo codice ricevuto."), field="code"
                )
            services.code_verify(user=target.user, purpose=CodePurpose.PASSWORD_RESET, code=form.cleaned_data["code"])
        except services.CodeError as exc:
            form.add_error("code", exc.message)
        else:
            state["user_id"] = target.user.pk
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
        services.password_reset_complete(user=user, password=form.cleaned_data["new_password1"], request=request)
        del request.session[RESET_SESSION_KEY]
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset_new.html", {"form": form})


@login_not_required
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


# --- Profilo ------------------------------------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware sends everybody else to the login page
    return request.user


@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    """Profilo: photo, password, two-factor authentication and signed-in sessions of the signed-in user."""
    user = _signed_in(request)
    member = member_for_user(user=user)
    return render(
        request,
        "accounts/profile.html",
        {
            "sessions": user_sessions_for(user=user, request=request),
            "authenticators": authenticators_for(user=user),
            "data_accesses": data_accesses_for(member=member) if member else None,
        },
    )


@require_http_methods(["GET", "POST"])
def profile_photo(request: HttpRequest) -> HttpResponse:
    """Upload or replace the profile photo."""
    user = _signed_in(request)
    form = ProfilePhotoForm(request.POST, request.FILES) if request.method == "POST" else ProfilePhotoForm()
    if (
        request.method == "POST"
        and not _limited(request, form, "profile_photo", key=str(user.pk), ip_limit=60, key_limit=20)
        and form.is_valid()
    ):
        try:
            services.profile_photo_set(user=user, upload=form.cleaned_data["photo"], request=request)
        except UploadRejected as exc:
            form.add_error("photo", exc.message)
        else:
            messages.success(request, _("Foto del profilo salvata."))
            return redirect("profile:home")
    return render(request, "accounts/profile_photo.html", {"form": form})


@require_POST
def profile_photo_remove(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    if user.photo:
        services.profile_photo_remove(user=user, request=request)
        messages.success(request, _("Foto del profilo rimossa."))
    return redirect("profile:home")


@require_GET
def profile_photo_image(request: HttpRequest) -> FileResponse:
    """The signed-in user's own photo; there is no URL for anybody else's."""
    photo = _signed_in(request).photo
    if not photo.name:
        raise Http404
    try:
        handle = photo.storage.open(photo.name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=PHOTO_CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="foto-profilo.jpg"'
    response["Cache-Control"] = "private, max-age=86400"  # the URL changes with the photo (?v=)
    response["Vary"] = "Cookie"
    return response


@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign out one other device of the signed-in user."""
    from allauth.usersessions.models import UserSession

    try:
        services.user_session_end(user=_signed_in(request), session_id=pk, request=request)
    except UserSession.DoesNotExist:
        raise Http404
    except services.SessionError as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("Sessione terminata: su quel dispositivo bisognerà accedere di nuovo."))
    return redirect(reverse("profile:home") + "#sessioni")


@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = services.user_sessions_end_others(user=_signed_in(request), request=request)
    if ended:
        messages.success(
            request,
            ngettext("%(n)d sessione terminata.", "%(n)d sessioni terminate.", ended) % {"n": ended},
        )
    else:
        messages.info(request, _("Non ci sono altre sessioni attive."))
    return redirect(reverse("profile:home") + "#sessioni")


def sessions_redirect(request: HttpRequest) -> HttpResponse:
    """allauth's session list: the sessions live on the Profilo page, where each one can be ended."""
    return redirect(reverse("profile:home") + "#sessioni")
