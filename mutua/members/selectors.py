from django.db.models import QuerySet

from mutua.accounts.models import User
from mutua.members.models import Member


def member_for_user(*, user: User) -> Member | None:
    """The signed-in person's own member record, with what every page header needs."""
    return Member.objects.select_related("regional_office").filter(user=user).first()


def beneficiaries_of(*, member: Member) -> QuerySet:
    return member.beneficiaries.all()
