""" "Avvisi": the channels the member chooses for each category of notice. Codes and security notices are not
chosen: they are always sent."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mutua.audit.services import audit_record
from mutua.members.models import Member, NoticeCategory, NoticeChannels
from mutua.members.services import member_changes_record


def preference_field(category: str) -> str:
    return f"notify_{NoticeCategory(category).value}"


def member_notice_preferences_update(
    *, member: Member, actor: AbstractBaseUser, channels: Mapping[str, str], request: HttpRequest | None = None
) -> Member:
    """Store the member's channel for each category given; each change is a dated version (MemberChange) and an
    audit row naming the categories. Unknown categories or channels are refused whole: nothing is saved."""
    fields = {preference_field(category): NoticeChannels(value).value for category, value in channels.items()}
    with transaction.atomic():
        member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
        changes = {name: (getattr(member, name), new) for name, new in fields.items() if getattr(member, name) != new}
        if not changes:
            return member
        for name, (_old, new) in changes.items():
            setattr(member, name, new)
        member.save(update_fields=[*changes, "updated_at"])
        member_changes_record(member=member, actor=actor, at=timezone.now(), changes=changes)
        audit_record(
            action="member.notice_preferences_changed",
            actor=actor,
            member=member,
            request=request,
            fields=sorted(changes),
        )
    return member
