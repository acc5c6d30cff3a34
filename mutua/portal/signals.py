"""Every change of a row the cached member pages read makes that member's pages unreachable (mutua.core.pagecache).

Each model is mapped to its member: directly by a column, or through one parent row read by id (the parent still
exists when a child alone is saved or deleted; when the parent is deleted, its own signal names the member).
Writes that send no signal (``QuerySet.update``, ``bulk_create``) call ``forget_member_pages`` themselves.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db import models
from django.db.models.signals import post_delete, post_save

from mutua.bookings.models import Booking
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, ClaimSuspension, Settlement
from mutua.core.pagecache import forget_member_pages, forget_plan_pages
from mutua.members.models import Beneficiary, Member
from mutua.notifications.models import Notification
from mutua.plans.models import Enrollment, Plan

# model: (its column, the model that column points to, that model's path to the member id); None: the column is it
MEMBER_OF: dict[type[models.Model], tuple[str, type[models.Model] | None, str]] = {
    Member: ("pk", None, ""),
    Beneficiary: ("member_id", None, ""),
    Enrollment: ("member_id", None, ""),
    Claim: ("member_id", None, ""),
    Notification: ("member_id", None, ""),
    Booking: ("member_id", None, ""),
    ClaimDocument: ("claim_id", Claim, "member_id"),
    ClaimEvent: ("claim_id", Claim, "member_id"),
    ClaimSuspension: ("claim_id", Claim, "member_id"),
    Attachment: ("document_id", ClaimDocument, "claim__member_id"),
    Settlement: ("document_id", ClaimDocument, "claim__member_id"),
    Authenticator: ("user_id", Member, "pk"),  # Panoramica says whether two-factor authentication is on
}


def member_ids_of(instance: models.Model) -> list[int]:
    column, parent, path = MEMBER_OF[type(instance)]
    value = getattr(instance, column)
    if parent is None:
        return [value]
    lookup = "user_id" if parent is Member else "pk"
    return list(parent._default_manager.filter(**{lookup: value}).values_list(path, flat=True))


def member_data_changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    forget_member_pages(member_ids_of(instance))


def plan_changed(**kwargs: Any) -> None:
    forget_plan_pages()


for model in MEMBER_OF:
    post_save.connect(member_data_changed, sender=model, dispatch_uid=f"pages-{model._meta.label}")
    post_delete.connect(member_data_changed, sender=model, dispatch_uid=f"pages-del-{model._meta.label}")
post_save.connect(plan_changed, sender=Plan, dispatch_uid="pages-plan")
post_delete.connect(plan_changed, sender=Plan, dispatch_uid="pages-del-plan")
