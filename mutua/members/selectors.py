from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from mutua.members.models import Member


def member_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Member | None:
    """The signed-in person's own member record, with what every page header needs.

    On a signed-in request the authentication backend has already loaded it with the user
    (``mutua.accounts.backends.user_with_member``): then this costs no query.
    """
    if not user.is_authenticated:
        return None
    member = getattr(user, "member", None)  # the reverse one-to-one: missing for operators
    return member if isinstance(member, Member) else None


def member_or_404(*, user: AbstractBaseUser | AnonymousUser) -> Member:
    """The member behind a member page; operators (no member record) get 404."""
    member = member_for_user(user=user)
    if member is None:
        raise Http404
    return member


def beneficiaries_of(*, member: Member) -> QuerySet:
    return member.beneficiaries.all()


def member_changes_for(*, member: Member) -> QuerySet:
    """The versions of the member's data, newest first, with who made each change."""
    return member.changes.select_related("actor").order_by("-changed_at", "-id")
