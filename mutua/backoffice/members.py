"""Soci: which members completed first access and by which path, and their activation letters."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts.activation import activation_code_issue, activation_code_live
from mutua.accounts.first_access import registry_contacts
from mutua.accounts.letters import activation_letter_pdf
from mutua.accounts.requests import SignedInRequest
from mutua.audit.services import audit_record
from mutua.backoffice.forms import MemberSearchForm
from mutua.backoffice.permissions import (
    Action,
    backoffice_view,
    claims_for_operator,
    member_for_operator_or_404,
    members_for_operator,
)
from mutua.members.selectors import member_latest_changes_by
from mutua.plans.selectors import enrollments_with_family
from mutua.registry.services import REGISTRY_USERNAME

MEMBERS_PAGE_SIZE = 50


@backoffice_view(Action.ACTIVATE)
@require_GET
def member_list(request: SignedInRequest) -> HttpResponse:
    """Members by name, with first access (when, and with the registry's contacts or a letter) and any live letter.

    A search is recorded in the audit log: who looked for whom."""
    form = MemberSearchForm(request.GET or None)
    status = 200
    data = {}
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
    members = members_for_operator(
        user=request.user, search=data.get("q") or "", status=data.get("primo_accesso") or ""
    )
    page = Paginator(members, MEMBERS_PAGE_SIZE).get_page(request.GET.get("pagina"))
    if data.get("q"):
        audit_record(action="backoffice.member_list", actor=request.user, request=request, search=data["q"])
    return render(request, "backoffice/members.html", {"form": form, "page": page}, status=status)


@backoffice_view(Action.ACTIVATE)
@require_GET
def member_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """Scheda socio: identity and contacts (an undeliverable e-mail marked), office, first access, adesioni, the
    sent claims, and what the registry last changed (or that its last full export no longer lists the member).

    Scoped like the list (a regional operator sees only their office's members); each visit is audited, and the
    member finds it in "Accessi ai miei dati". A fixed number of queries, however many claims or adesioni.
    """
    member = members_for_operator(user=request.user).defer(None).filter(pk=pk).first()
    if member is None:
        raise Http404
    audit_record(action="backoffice.member_view", actor=request.user, member=member, request=request)
    registry_changes = member_latest_changes_by(member=member, username=REGISTRY_USERNAME)
    claims = (
        claims_for_operator(user=request.user)
        .filter(member=member)
        .only("pk", "kind", "status", "submitted_at", "member_id")
        .order_by("-submitted_at", "-pk")
    )
    context = {
        "member": member,
        "enrollments": list(enrollments_with_family(member=member)),
        "claims": list(claims),
        "registry_changes": registry_changes,
        "registry_changed_at": registry_changes[0].changed_at if registry_changes else None,
    }
    return render(request, "backoffice/member_detail.html", context)


@backoffice_view(Action.ACTIVATE)
@require_http_methods(["GET", "POST"])
def activation_letter(request: SignedInRequest, pk: int) -> HttpResponse:
    """GET: what the letter is and what issuing it does. POST: issue it and answer with the PDF itself.

    Unlike the other actions the POST answers with the file rather than a redirect: the code exists in clear only
    now, and is stored only as a hash, so the letter cannot be downloaded again later (a new one can be issued).
    """
    member = member_for_operator_or_404(user=request.user, pk=pk)
    assert member.user is not None
    completed = member.user.first_access_completed_at is not None
    if request.method == "POST":
        if completed:
            messages.error(request, _("Il socio ha già completato il primo accesso: la lettera non serve."))
            return redirect("backoffice:activation_letter", pk=member.pk)
        letter, code = activation_code_issue(member=member, actor=request.user, request=request)
        pdf = activation_letter_pdf(member=member, code=code, expires_at=letter.expires_at)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="lettera-attivazione-{member.code}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
    context = {
        "settings_days": settings.ACTIVATION_CODE_DAYS,
        "member": member,
        "completed": completed,
        "contacts": registry_contacts(member),
        "live": activation_code_live(member=member),
    }
    return render(request, "backoffice/activation_letter.html", context)
