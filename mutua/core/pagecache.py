"""The busiest member pages (Panoramica, Lista pratiche, a claim), rendered once per change of their data.

A member opens the same few pages again and again while nothing in them changes: a claim moves a handful of times
in weeks. A page's HTML is kept in the shared cache with the tokens it was rendered under, and served again while
they are all still current:

- the member's token (``mutua:pages:member:<id>``), replaced whenever a row the pages read changes, however it is
  written: by the receivers in ``mutua.portal.signals`` and by the services that write with ``QuerySet.update`` or
  ``bulk_create``, at once and again after commit. The token is read before any data, so a page rendered from
  data older than a change is always stored under a token that the change has replaced;
- the providers' token (booking rows name the provider) and the plans' token (plan names).

The key holds what was loaded before the token was read or does not live in the database: the member row's
``updated_at`` and the user's photo version, the path, the language, the day, and the release (a digest of the code,
templates, catalogues, static files and the mutual's settings), so a deploy never serves the previous HTML.

Nothing of one session is stored. The CSRF token is rendered as a placeholder and each response gets the requesting
session's own; a request with messages to show is rendered, and its page not kept; a page with a form to fill in is
never cached. Everything is keyed by the member's id and read only after the view has scoped the request to them.
``MEMBER_PAGE_CACHE_SECONDS=0`` turns it off.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from mutua.core.cache import token_create

if TYPE_CHECKING:
    from mutua.members.models import Member

PLANS_KEY = "mutua:pages:plans"


@functools.cache
def csrf_placeholder() -> str:
    """What {% csrf_token %} renders into a stored page, replaced by the session's own token in each response.

    Derived from the secret key, so no text a member or an operator types can contain it.
    """
    return "csrf-" + salted_hmac("mutua.core.pagecache", "csrf-placeholder").hexdigest()[:32]


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
    """A digest of what this process serves pages from: code, templates, catalogues, static files, the site settings.

    Read once per process (a few MB); with the static files' manifest (production), its hashed names are in it too.
    """
    from mutua.core.context_processors import site

    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256(repr(sorted(site(HttpRequest()).items())).encode())
    manifest = Path(settings.STATIC_ROOT or root / "staticfiles") / "staticfiles.json"
    # The locked dependencies too: an upgrade of Django or allauth may change what a template renders.
    paths = [p for p in (manifest, root / "requirements.lock") if p.is_file()]
    for folder in (root / "mutua", root / "config", root / "locale"):
        paths += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in paths:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class CachedPage:
    """One page for one member: ``html`` when it can be served again, else ``render()`` it (and keep it)."""

    key: str
    tokens: tuple[str, ...]
    html: str | None
    member: Member | None = None

    def response(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse((self.html or "").replace(csrf_placeholder(), get_token(request)))

    def render(self, request: HttpRequest, template: str, context: Mapping[str, object]) -> HttpResponse:
        """Render the page as ``render()`` does, keep it (with the placeholder) and answer with this session's token."""
        from mutua.notifications.selectors import unread_count

        extra: dict[str, object] = {"csrf_token": csrf_placeholder()}
        if self.key and self.member is not None:
            # The bell from the database, not from its one-minute cache: a kept page may outlive that minute.
            extra["unread_notifications"] = unread_count(member=self.member, fresh=True)
        self.store(render_to_string(template, {**context, **extra}, request))
        return self.response(request)

    def store(self, html: str) -> None:
        self.html = html
        if self.key:
            cache.set(self.key, (self.tokens, html), settings.MEMBER_PAGE_CACHE_SECONDS)


def page(request: HttpRequest, member: Member, name: str, *, path: str, queries: Iterable[str] = ("",)) -> CachedPage:
    """The cached page ``name`` for ``member``, if still current; one cache round trip.

    Only the page's own ``path`` with one of the ``queries`` (the raw query string; none by default) is kept, so
    nothing typed in the URL (``/pratiche/007/``, ``?&&``, a repeated parameter) can fill the cache. A missing token
    is created before the page is rendered, so a change after this point replaces it.
    """
    from mutua.providers.selectors import CACHE_VERSION_KEY as PROVIDERS_KEY

    nothing = CachedPage(key="", tokens=(), html=None)
    query = request.META.get("QUERY_STRING", "")
    if settings.MEMBER_PAGE_CACHE_SECONDS <= 0 or request.path != path or query not in set(queries):
        return nothing
    if hasattr(request, "_messages") and len(get_messages(request)):
        return nothing  # messages to show: rendered for this request only
    token_keys = [member_key(member.pk), PROVIDERS_KEY, PLANS_KEY]
    user = getattr(request, "user", None)
    key = ":".join(
        [
            "mutua:pages",
            name,
            str(member.pk),
            path,
            query,
            translation.get_language() or "",
            timezone.localdate().isoformat(),
            release(),
            str(member.updated_at.timestamp() if member.updated_at else ""),
            str(getattr(user, "photo_version", "")),
        ]
    )
    found = cache.get_many([*token_keys, key])
    tokens = []
    for token_key in token_keys:
        token = found.get(token_key)
        if token is None:
            token = token_create(token_key, TOKEN_SECONDS if token_key == member_key(member.pk) else None)
        if token is None:  # replaced again at this very moment: render, and keep nothing
            return nothing
        tokens.append(str(token))
    stored = found.get(key)
    current = tuple(tokens)
    html = stored[1] if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == current else None
    return CachedPage(key=key, tokens=current, html=html, member=member)
