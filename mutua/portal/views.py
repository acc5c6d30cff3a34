from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mutua.members.selectors import beneficiaries_of, member_for_user


def home(request: HttpRequest) -> HttpResponse:
    """Panoramica: the signed-in member's summary (built out in the member-information issue)."""
    member = member_for_user(user=request.user)  # type: ignore[arg-type]
    if member is None:
        return render(request, "portal/staff_home.html")
    return render(
        request,
        "portal/home.html",
        {"member": member, "beneficiaries": list(beneficiaries_of(member=member))},
    )


@login_not_required
def password_reset_redirect(request: HttpRequest) -> HttpResponse:
    """allauth's e-mail based reset is replaced by the guide's reset by user code."""
    return redirect("accounts:password_reset")
