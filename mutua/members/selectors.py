import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet, Subquery
from django.http import Http404

from mutua.members.models import (
    Beneficiary,
    Consent,
    ConsentPurpose,
    Member,
    MemberChange,
    PrivacyNotice,
    RegionalOffice,
)


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


def beneficiaries_of(*, member: Member) -> QuerySet[Beneficiary]:
    return member.beneficiaries.all()


def member_changes_for(*, member: Member) -> QuerySet[MemberChange]:
    """The versions of the member's data, newest first, with who made each change."""
    return member.changes.select_related("actor").order_by("-changed_at", "-id")


def member_last_change_by(*, member: Member, username: str) -> dt.datetime | None:
    """When `username` (the registry's own user, for one) last changed the member's data, if ever."""
    return (
        MemberChange.objects.filter(member=member, actor__username=username)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )


def member_latest_changes_by(*, member: Member, username: str) -> list[MemberChange]:
    """The fields `username` (the registry's own user, for one) touched in their latest change of the member, by
    field name: one query, empty when they never changed the member."""
    latest = (
        MemberChange.objects.filter(member=member, actor__username=username)
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
    return list(
        MemberChange.objects.filter(member=member, actor__username=username, changed_at=Subquery(latest)).order_by(
            "field", "id"
        )
    )


def regional_offices(*, office_id: int | None = None) -> QuerySet[RegionalOffice]:
    """The regional offices by region and name; only one when `office_id` is given."""
    offices = RegionalOffice.objects.order_by("region", "name")
    return offices if office_id is None else offices.filter(pk=office_id)


def privacy_notices() -> QuerySet[PrivacyNotice]:
    """Every published version of the privacy notice, the newest (the one in force) first."""
    return PrivacyNotice.objects.order_by("-published_at", "-pk")


def consents_for_member(*, member: Member) -> QuerySet[Consent]:
    """The member's consent history, the newest first, with the notice version each choice was made on."""
    return (
        Consent.objects.filter(member=member)
        .select_related("notice")
        .only("purpose", "given", "channel", "created_at", "notice_sha256", "notice__version", "notice__title")
        .order_by("-created_at", "-pk")
    )


def consent_state(*, member: Member) -> dict[str, bool]:
    """Each purpose's current choice (its latest row); a purpose never answered is not given."""
    state: dict[str, bool] = dict.fromkeys(ConsentPurpose.values, False)
    seen: set[str] = set()
    for purpose, given in consents_for_member(member=member).values_list("purpose", "given"):
        if purpose not in seen:
            seen.add(purpose)
            state[purpose] = given
    return state
