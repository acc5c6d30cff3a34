"""Every change of a row the cached member pages read makes that member's pages unreachable (mutua.core.pagecache).

Each model is mapped to its member: directly by a column, or through one parent row read by id (the parent still
exists when a child alone is saved or deleted; when the parent is deleted, its own signal names the member).
Writes that send no signal (``QuerySet.update``, ``bulk_create``) call ``forget_member_pages`` themselves.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from mutua.accounts.models import User
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
    User: ("pk", Member, "pk"),  # the header shows the user's photo
}


def member_ids_of(instance: models.Model) -> list[int]:
    column, parent, path = MEMBER_OF[type(instance)]
    value = getattr(instance, column)
    if parent is None:
        return [value]
    if parent is Member:  # by the user: Member.user_id
        return list(Member.objects.filter(user_id=value).values_list("pk", flat=True))
    loaded = _member_id_loaded(instance, [column.removesuffix("_id"), *path.split("__")[:-1]], path.split("__")[-1])
    if loaded is not None:
        return [loaded]
    return list(parent._default_manager.filter(pk=value).values_list(path, flat=True))


def _member_id_loaded(instance: models.Model, parents: list[str], attribute: str) -> int | None:
    """The member id through parent rows already loaded on the instance (no query); None when one is not loaded."""
    row: Any = instance
    for name in parents:
        if not row._meta.get_field(name).is_cached(row):
            return None
        row = getattr(row, name)
        if row is None:
            return None
    value = getattr(row, attribute)
    return int(value) if value is not None else None


def member_data_changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    forget_member_pages(member_ids_of(instance))


def member_changing(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """A row given to another member (in the admin) leaves the pages of the member it is taken from, too."""
    column, parent, _ = MEMBER_OF[sender]
    update_fields = kwargs.get("update_fields")
    if parent is not None or column == "pk" or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {column, column.removesuffix("_id")} & set(update_fields):
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list(column, flat=True).first()
    if before is not None and before != getattr(instance, column):
        forget_member_pages([before])


def plan_changed(**kwargs: Any) -> None:
    forget_plan_pages()


for model in MEMBER_OF:
    post_save.connect(member_data_changed, sender=model, dispatch_uid=f"pages-{model._meta.label}")
    post_delete.connect(member_data_changed, sender=model, dispatch_uid=f"pages-del-{model._meta.label}")
    pre_save.connect(member_changing, sender=model, dispatch_uid=f"pages-pre-{model._meta.label}")
post_save.connect(plan_changed, sender=Plan, dispatch_uid="pages-plan")
post_delete.connect(plan_changed, sender=Plan, dispatch_uid="pages-del-plan")
