"""Keep the bell's cached unread count true whenever a notification row changes, however it is written."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from mutua.notifications.models import Notification


@receiver(post_save, sender=Notification)
@receiver(post_delete, sender=Notification)
def notification_changed(sender: type[Notification], instance: Notification, **kwargs: Any) -> None:
    from mutua.notifications.services import unread_count_forget

    unread_count_forget(instance.member_id)
