"""Profilo: the photo, the password, two-factor authentication, the notices ("Avvisi"), the signed-in sessions and who
accessed the member's data, for the signed-in user."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutua.accounts import services
from mutua.accounts.forms import ProfilePhotoForm
from mutua.accounts.models import User
from mutua.accounts.photos import PHOTO_CONTENT_TYPE
from mutua.accounts.selectors import authenticators_for, user_sessions_for
from mutua.accounts.views import limited
from mutua.audit.selectors import member_data_accesses_page as data_accesses_for
from mutua.documents.uploads import UploadRejected
from mutua.members.forms import NoticePreferencesForm
from mutua.members.preferences import member_notice_preferences_update
from mutua.members.selectors import member_for_user


def _signed_in(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware sends everybody else to the login page
    return request.user


@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    """Profilo: photo, password, two-factor authentication, notices, signed-in sessions of the signed-in user."""
    return _profile_page(request)


def _profile_page(
    request: HttpRequest, *, notice_form: NoticePreferencesForm | None = None, status: int = 200
) -> HttpResponse:
    user = _signed_in(request)
    member = member_for_user(user=user)
    if member is not None and notice_form is None:
        notice_form = NoticePreferencesForm.for_member(member)
    return render(
        request,
        "accounts/profile.html",
        {
            "sessions": user_sessions_for(user=user, request=request),
            "authenticators": authenticators_for(user=user),
            "data_accesses": (
                data_accesses_for(member_id=member.pk, member_user_id=member.user_id) if member else None
            ),
            "notice_form": notice_form,
        },
        status=status,
    )


@require_POST
def profile_notices(request: HttpRequest) -> HttpResponse:
    """ "Avvisi": the member's channels for each category of notice; a form with errors is shown again, unsaved."""
    user = _signed_in(request)
    member = member_for_user(user=user)
    if member is None:
        raise Http404
    form = NoticePreferencesForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, notice_form=form, status=400)
    member_notice_preferences_update(member=member, actor=user, channels=form.cleaned_data, request=request)
    messages.success(request, _("Preferenze sugli avvisi salvate."))
    return redirect(reverse("profile:home") + "#avvisi")


@require_http_methods(["GET", "POST"])
def profile_photo(request: HttpRequest) -> HttpResponse:
    """Upload or replace the profile photo."""
    user = _signed_in(request)
    form = ProfilePhotoForm(request.POST, request.FILES) if request.method == "POST" else ProfilePhotoForm()
    if (
        request.method == "POST"
        and not limited(request, form, "profile_photo", key=str(user.pk), ip_limit=60, key_limit=20)
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
