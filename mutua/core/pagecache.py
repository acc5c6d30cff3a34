"""The content of the busiest member pages (Panoramica, Lista pratiche, a claim), rendered once per change of its data.

A member opens the same few pages again and again while nothing in them changes: a claim moves a handful of times
in weeks. The HTML of a page's content (not the header, menu, messages or any form) is kept in the shared cache
with the tokens it was rendered under, and served again while they are all still current:

- the member's token (``mutua:pages:member:<id>``), replaced whenever a row the pages read changes, however it is
  written: by the receivers in ``mutua.portal.signals`` and by the services that write with ``QuerySet.update`` or
  ``bulk_create``, at once and again after commit. The token is read before any data, so a page rendered from
  data older than a change is always stored under a token that the change has replaced;
- the member row's own ``updated_at`` (loaded with the user before the token is read), for their name and address;
- the providers' token (booking rows name the provider) and the plans' token (plan names);
- the language, the day, and the release (a digest of the code, templates and catalogues), so a deploy never
  serves HTML from the previous templates.

Everything the cache holds is keyed by the member's id and read only for that member, after the view has scoped
the request to them; nothing is cached for a page that shows a form (its CSRF token belongs to one session).
``MEMBER_PAGE_CACHE_SECONDS=0`` turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

if TYPE_CHECKING:
    from mutua.members.models import Member

PLANS_KEY = "mutua:pages:plans"
TOKEN_SECONDS = 60 * 60 * 24  # a member's token outlives their cached pages; when it expires they are just rendered


def member_key(member_id: int) -> str:
    return f"mutua:pages:member:{member_id}"


def forget_member_pages(member_ids: Iterable[int | None]) -> None:
    """Make every cached page of these members unreachable, now and once the current transaction commits.

    Now, so no request can keep using them; after commit, because a request that read the old data inside the
    window may have stored its page under a token created after the first deletion.
    """
    keys = [member_key(pk) for pk in set(member_ids) if pk is not None]
    if keys:
        cache.delete_many(keys)
        # robust: a cache that fails after the commit must not stop the transaction's other callbacks (tasks)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def forget_plan_pages() -> None:
    cache.delete(PLANS_KEY)
    transaction.on_commit(lambda: cache.delete(PLANS_KEY), robust=True)


@functools.cache
def release() -> str:
    """A digest of the code, templates and catalogues this process runs, read once per process (a few MB)."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder in (root / "mutua", root / "config", root / "locale"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".html", ".mo"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class CachedContent:
    """One page's content for one member: ``html`` (None when it must be rendered), then ``put(html)`` once it is."""

    key: str
    tokens: tuple[str, ...]
    html: str | None

    def put(self, html: str) -> None:
        if self.key:
            cache.set(self.key, (self.tokens, html), settings.MEMBER_PAGE_CACHE_SECONDS)


def content(member: Member, page: str, *parts: object) -> CachedContent:
    """The cached content of ``page`` (with ``parts``: a claim id, a list page) for ``member``, if still current.

    One round trip to the cache: the tokens and the page are read together. A missing token is created before the
    page is rendered, so a change after this point replaces it.
    """
    from mutua.providers.selectors import CACHE_VERSION_KEY as PROVIDERS_KEY

    if settings.MEMBER_PAGE_CACHE_SECONDS <= 0:
        return CachedContent(key="", tokens=(), html=None)
    token_keys = [member_key(member.pk), PROVIDERS_KEY, PLANS_KEY]
    variant = ":".join(str(part) for part in parts)
    key = (
        f"mutua:pages:{page}:{member.pk}:{variant}:{translation.get_language()}:{timezone.localdate().isoformat()}:"
        f"{release()}:{member.updated_at.timestamp() if member.updated_at else ''}"
    )
    found = cache.get_many([*token_keys, key])
    tokens = []
    for token_key in token_keys:
        token = found.get(token_key)
        if token is None:
            cache.add(token_key, uuid.uuid4().hex, TOKEN_SECONDS if token_key == member_key(member.pk) else None)
            token = cache.get(token_key)
        if token is None:  # replaced again at this very moment: render, and keep nothing
            return CachedContent(key="", tokens=(), html=None)
        tokens.append(str(token))
    stored = found.get(key)
    current = tuple(tokens)
    html = stored[1] if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == current else None
    return CachedContent(key=key, tokens=current, html=html)
