"""Typed requests: what a view may rely on once its decorator has run.

A member page is decorated with `member_view`, which sets `request.member` once (the member record loaded with the
user by the authentication backend, so no query) and answers 404 to anybody without one (an operator); the view
then takes a `MemberRequest`. Back-office views take a `SignedInRequest` from mutua.backoffice.permissions.
LoginRequiredMiddleware has already sent anonymous visitors to the sign-in page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar, cast

from django.http import Http404, HttpRequest

from mutua.accounts.models import User
from mutua.members.models import Member
from mutua.members.selectors import member_for_user

P = ParamSpec("P")
R = TypeVar("R")


class SignedInRequest(HttpRequest):
    user: User


class MemberRequest(SignedInRequest):
    member: Member


def member_view(view: Callable[Concatenate[MemberRequest, P], R]) -> Callable[Concatenate[HttpRequest, P], R]:
    """The view of a member page: `request.member` is the signed-in user's own member record; anybody else 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
        member = member_for_user(user=request.user)
        if member is None:
            raise Http404
        typed = cast(MemberRequest, request)
        typed.member = member
        return view(typed, *args, **kwargs)

    return wrapped
