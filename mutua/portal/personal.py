"""Member pages of "Dati anagrafici": Visualizza, Aggiorna (with the check of a new e-mail or mobile), Familiari."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts import contacts
from mutua.accounts.requests import MemberRequest, member_view
from mutua.accounts.views import contact_codes_context, contact_codes_step
from mutua.core import ratelimit
from mutua.members import services
from mutua.members.forms import PersonalDataForm
from mutua.members.models import Member
from mutua.members.selectors import beneficiaries_of
from mutua.portal.claims import iban_display


def _office(member: Member) -> dict[str, Any]:
    return {"office": member.regional_office, "infocenter": settings.MUTUA_INFOCENTER_EMAIL}


@require_GET
@member_view
def personal_data(request: MemberRequest) -> HttpResponse:
    """Visualizza i dati anagrafici: identity, residence and domicile, contacts, payment data."""
    member = request.member
    context = {"member": member, "iban": iban_display(member), "section": "view", **_office(member)}
    return render(request, "portal/personal/view.html", context)


@require_http_methods(["GET", "POST"])
@member_view
def personal_data_update(request: MemberRequest) -> HttpResponse:
    """Aggiorna i dati anagrafici: "Conferma" saves everything or, on any error, nothing.

    A change of payment data, e-mail or mobile asks for the password again first (step-up); allauth keeps the
    POST and replays it here once the member has confirmed, so the form is not filled in twice.
    """
    member = request.member
    user = request.user
    form = PersonalDataForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.personal_data()
        changes = services.member_personal_data_changes(member=member, data=data)
        if not changes.any:
            messages.info(request, _("Non hai modificato nessun dato."))
            return redirect("portal:personal_data")
        if changes.needs_step_up:
            raise_if_reauthentication_required(request, app="")
        if changes.email or changes.mobile:
            # A new contact gets a code: the same limit as every other page that sends codes.
            limited = ratelimit.check(request, "send_codes", ip_limit=20, key=member.code, key_limit=6)
            if limited is not None:
                form.add_error(None, limited.message)
                return _update_page(request, member, form)
        member, changes = contacts.personal_data_update(member=member, actor=user, data=data, request=request)
        if changes.email or changes.mobile:
            messages.success(
                request,
                _(
                    "Abbiamo salvato i tuoi dati. Per usare i nuovi contatti inserisci il codice "
                    "che ti abbiamo inviato."
                ),
            )
            return redirect("portal:personal_contacts_verify")
        messages.success(request, _("I tuoi dati anagrafici sono stati aggiornati."))
        return redirect("portal:personal_data")
    return _update_page(request, member, form)


def _update_page(request: HttpRequest, member: Member, form: PersonalDataForm) -> HttpResponse:
    context = {"member": member, "form": form, "iban": iban_display(member), "section": "update", **_office(member)}
    return render(request, "portal/personal/update.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_view
def personal_contacts_verify(request: MemberRequest) -> HttpResponse:
    """A new e-mail or mobile replaces the verified one only once the code sent to it is entered."""
    member = request.member
    user = request.user
    if not member.has_pending_contacts:
        return redirect("portal:personal_data")
    if request.method == "POST" and request.POST.get("action") == "cancel":
        contacts.contacts_cancel(member=member, actor=user, request=request)
        messages.info(request, _("La modifica dei contatti è stata annullata: restano quelli già verificati."))
        return redirect("portal:personal_data")
    form, outcome = contact_codes_step(request, member=member, actor=user)
    if outcome == "verified":
        messages.success(request, _("La verifica è stata eseguita correttamente: i nuovi contatti sono attivi."))
        return redirect("portal:personal_data")
    if outcome == "resent":
        return redirect("portal:personal_contacts_verify")
    context = {"member": member, "section": "update", **contact_codes_context(member, form)}
    return render(request, "portal/personal/verify_contacts.html", context, status=400 if form.errors else 200)


@require_GET
@member_view
def family(request: MemberRequest) -> HttpResponse:
    """Visualizza i dati dei familiari: read-only; changes go through the regional office."""
    member = request.member
    context = {
        "member": member,
        "beneficiaries": list(beneficiaries_of(member=member)),
        "section": "family",
        **_office(member),
    }
    return render(request, "portal/personal/family.html", context)
