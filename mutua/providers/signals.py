"""Any change of a provider or a category makes the cached map answers unreachable (selectors.providers_cache_*)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from mutua.providers.models import Category, Provider


@receiver(post_save, sender=Provider)
@receiver(post_delete, sender=Provider)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(m2m_changed, sender=Provider.categories.through)
def providers_changed(**kwargs: Any) -> None:
    from mutua.providers.selectors import providers_cache_forget

    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed also fires before the change
    providers_cache_forget()  # now, and again once committed: a reader inside the window cannot keep old data
    transaction.on_commit(providers_cache_forget)
