from typing import Any

from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A partial save still moves updated_at: the member pages' cache keys on it (mutua.core.pagecache).
        update_fields = kwargs.get("update_fields")
        if update_fields and "updated_at" not in update_fields:  # an empty list stays a save of nothing
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)
