from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mutua.claims.models import ClaimStatus
from mutua.claims.selectors import latest_claims_for_member
from mutua.members.selectors import beneficiaries_of, member_for_user
from mutua.notifications.selectors import notifications_for_member
from mutua.plans.selectors import plans_of_member

LATEST = 5  # rows in each Panoramica block; "Vedi tutte" leads to the rest


def home(request: HttpRequest) -> HttpResponse:
    """Panoramica: the member's data, plans, latest claims and notifications, in a fixed number of queries."""
    member = member_for_user(user=request.user)
    if member is None:
        return render(request, "portal/staff_home.html")
    claims = list(latest_claims_for_member(member=member)[: LATEST + 1])
    draft = claims[0] if claims and claims[0].status == ClaimStatus.DRAFT else None
    return render(
        request,
        "portal/home.html",
        {
            "member": member,
            "beneficiaries": list(beneficiaries_of(member=member)),
            "enrollments": list(plans_of_member(member=member)),
            "claims": [claim for claim in claims if claim is not draft][:LATEST],
            "draft": draft,
            "notifications": list(notifications_for_member(member_id=member.pk)[:LATEST]),
        },
    )


@login_not_required
def password_reset_redirect(request: HttpRequest) -> HttpResponse:
    """allauth's e-mail based reset is replaced by the guide's reset by user code."""
    return redirect("accounts:password_reset")
