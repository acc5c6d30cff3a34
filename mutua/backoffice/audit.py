"""The supervisors' search of the audit log: who read or changed what, and when."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mutua.accounts.requests import SignedInRequest
from mutua.audit.selectors import ACTION_LABELS, AuditFilters, event_description
from mutua.audit.selectors import audit_search as search_events
from mutua.audit.services import audit_record
from mutua.backoffice.forms import AuditSearchForm
from mutua.backoffice.permissions import Action, backoffice_view

AUDIT_PAGE_SIZE = 50


@backoffice_view(Action.AUDIT)
@require_GET
def audit_search(request: SignedInRequest) -> HttpResponse:
    """Filter by member code, operator, action and days; newest first, paginated. A wrong filter shows no rows.

    The search itself is an audited action: who looked for whom stays on record.
    """
    user = request.user
    actions = [(value, str(label)) for value, label in ACTION_LABELS.items()]
    form = AuditSearchForm(request.GET or None, actions=actions)
    page = None
    rows: list[tuple[object, str]] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        status = 200
        data = form.cleaned_data if form.is_bound else {}
        filters = AuditFilters(
            member_code=data.get("matricola") or "",
            actor=data.get("operatore") or "",
            action=data.get("azione") or "",
            date_from=data.get("dal"),
            date_to=data.get("al"),
        )
        page = Paginator(search_events(filters=filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("pagina"))
        rows = [(event, event_description(event)) for event in page.object_list]
        if form.is_bound:
            audit_record(
                action="audit.search",
                actor=user,
                request=request,
                filters={k: str(v) for k, v in filters.__dict__.items() if v},
            )
    return render(request, "backoffice/audit_search.html", {"form": form, "page": page, "rows": rows}, status=status)
