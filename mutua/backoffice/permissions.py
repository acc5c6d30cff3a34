"""Who may do what in the back office, in one table, and the one place that scopes claims and bookings to an
operator (on the domain's selectors).

Members and anonymous visitors get nothing from /backoffice/ (404, as for any page that is not theirs); a
regional-office operator sees only the members of their own office, so another region's claim is a 404 too.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse_lazy

from mutua.accounts.models import Role, User
from mutua.accounts.requests import SignedInRequest
from mutua.accounts.selectors import members_first_access
from mutua.bookings.models import Booking, BookingAttachment
from mutua.bookings.selectors import bookings_sent
from mutua.claims.models import Attachment, Claim
from mutua.claims.selectors import claims_sent
from mutua.members.models import Member, RegionalOffice
from mutua.members.selectors import regional_offices


class Action(StrEnum):
    VIEW = "view"  # worklist, review page, documents
    TAKE = "take"  # "Prendi in carico"
    SUSPEND = "suspend"  # documents to add, administrative block, and lifting a suspension
    REJECT = "reject"
    CANCEL = "cancel"
    SETTLE = "settle"  # "Liquida"
    PAY = "pay"  # payment batches: create, download the SEPA file, confirm, delete a draft
    BOOK = "book"  # direct-form bookings: take in charge with an authorization, or refuse
    AUDIT = "audit"  # search the audit log
    TAX = "tax"  # the yearly communication to the Agenzia delle Entrate: prepare, download, mark sent, correct
    REGISTRY = "registry"  # import the registry's files, read the history of imports
    ACTIVATE = "activate"  # members' first access: who completed it and how; activation letters


ALL_ACTIONS = frozenset(Action)

# Regional offices collect and check documents; rejecting or cancelling a claim is decided centrally.
# Money leaves the mutual only on a supervisor's or administrator's word: operators settle, they do not pay.
# Regional offices know their local providers, so they authorize direct-form bookings of their members.
# Who read whom is for supervisors and administrators to search, not for the operators being watched.
# The registry import rewrites members' data in bulk: supervisors and administrators only.
# Every office posts activation letters to the members it looks after.
# What the mutual tells the Agenzia delle Entrate about every member is signed off by a supervisor.
PERMISSIONS: dict[str, frozenset[Action]] = {
    Role.OPERATOR: ALL_ACTIONS - {Action.PAY, Action.AUDIT, Action.REGISTRY, Action.TAX},
    Role.REGIONAL_OPERATOR: frozenset({Action.VIEW, Action.TAKE, Action.SUSPEND, Action.BOOK, Action.ACTIVATE}),
    Role.SUPERVISOR: ALL_ACTIONS,
    Role.ADMIN: ALL_ACTIONS,
}


def can(user: Any, action: Action) -> bool:
    """True when the signed-in `user`'s role allows `action`; members and anonymous visitors can do nothing."""
    if not getattr(user, "is_authenticated", False):
        return False
    return action in PERMISSIONS.get(user.role, frozenset())


P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def backoffice_view(
    action: Action = Action.VIEW,
) -> Callable[[Callable[Concatenate[SignedInRequest, P], R]], Callable[Concatenate[HttpRequest, P], R]]:
    """Let the view run only for a role allowed `action`; anybody else gets 404 and learns nothing. The view takes a
    SignedInRequest: its user is an operator's."""

    def decorator(view: Callable[Concatenate[SignedInRequest, P], R]) -> Callable[Concatenate[HttpRequest, P], R]:
        @wraps(view)
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not can(request.user, action):
                raise Http404
            return view(cast(SignedInRequest, request), *args, **kwargs)

        wrapped.login_url = reverse_lazy("backoffice:login")  # type: ignore[attr-defined]  # LoginRequiredMiddleware
        return wrapped

    return decorator


def operator_scope(user: User) -> tuple[bool, int | None]:
    """Whether `user` may see members' files at all, and the regional office they are limited to (None: every one).

    A regional-office operator sees only their office's members; one with no office set sees nobody.
    """
    if not can(user, Action.VIEW):
        return False, None
    if user.role == Role.REGIONAL_OPERATOR:
        return user.regional_office_id is not None, user.regional_office_id
    return True, None


def claims_for_operator(*, user: User) -> QuerySet[Claim]:
    """The claims `user` may see: every sent claim, or only their office's members' for a regional operator."""
    visible, office_id = operator_scope(user)
    return claims_sent(office_id=office_id) if visible else Claim.objects.none()


def claim_for_operator_or_404(*, user: User, pk: int) -> Claim:
    claim = claims_for_operator(user=user).select_related("member").filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


def attachment_for_operator_or_404(*, user: User, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("document__claim__member")
        .filter(pk=pk, document__claim__in=claims_for_operator(user=user))
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def bookings_for_operator(*, user: User) -> QuerySet[Booking]:
    """The bookings `user` may see: every sent booking, or only their office's members' for a regional operator."""
    visible, office_id = operator_scope(user)
    return bookings_sent(office_id=office_id) if visible else Booking.objects.none()


def offices_for_operator(*, user: User) -> QuerySet[RegionalOffice]:
    """The regional offices the worklist may filter by: all of them, or a regional operator's own."""
    visible, office_id = operator_scope(user)
    return regional_offices(office_id=office_id) if visible else RegionalOffice.objects.none()


def booking_for_operator_or_404(*, user: User, pk: int) -> Booking:
    booking = bookings_for_operator(user=user).select_related("member").filter(pk=pk).first()
    if booking is None:
        raise Http404
    return booking


def booking_attachment_for_operator_or_404(*, user: User, pk: int) -> BookingAttachment:
    attachment = (
        BookingAttachment.objects.select_related("booking__member")
        .filter(pk=pk, booking__in=bookings_for_operator(user=user))
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def members_for_operator(*, user: User, search: str = "", status: str = "") -> QuerySet[Member]:
    """The members `user` may list for first access: all, or only their office's for a regional operator."""
    visible, office_id = operator_scope(user)
    if not visible:
        return Member.objects.none()
    return members_first_access(office_id=office_id, search=search, status=status)


def member_for_operator_or_404(*, user: User, pk: int) -> Member:
    member = members_for_operator(user=user).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member
