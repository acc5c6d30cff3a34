"""The members the load rotates over: chosen at random in the whole database, each signed in directly.

    python -m bench.rotation --size 1000 --in-process 300 --out var/bench/rotation-100000.json

Every request of a load phase is for the next member of this list (bench/load.py), so a phase spreads over at least
`--size` distinct members and a page is asked for the same member again only after the whole list has gone by.
Signing in 1 000 members through the login form would hit allauth's limit (30 sign-ins a minute per IP) and is not
what is measured: each member's session is created here, as the login view leaves it. `Client.force_login` (Django's
test client, under bench.settings) writes the session through the production engine (Redis + database) with the
user's auth hash, and allauth's "Sessioni attive" row is recorded as a sign-in records it. No page is requested.

Three disjoint groups are written:

- `rotation`: the load's members (`--size`, at least 1 000), each with its session cookie, one of its own claims
  (any, drafts excepted: the seeder makes none) and a question of its own for the map;
- `warmup`: a few more, whose requests warm the gunicorn workers before the phases (templates, connections), so the
  rotation's members are never asked for before their phase;
- `in_process`: members measured in process by bench/pdfs.py, one first view of each page, one PDF each. Never
  asked for by the load, so nothing that the load did for them can answer. They are signed in by bench/pdfs.py.
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __name__ == "__main__":  # pragma: no cover - set up Django before the model imports below
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

from django.conf import settings
from django.test import Client, RequestFactory

from mutua.accounts.models import User
from mutua.claims.models import Claim, ClaimStatus
from mutua.core.provinces import provinces
from mutua.demo import names
from mutua.members.models import Member, MemberKind
from mutua.providers.models import Category

MIN_ROTATION = 1000  # the budgets are judged on at least this many distinct members per phase
WARMUP = 8
USER_AGENT = "mutua-bench"  # what the load sends (bench/rotate.lua): the session row agrees with it


class RotationError(Exception):
    pass


def eligible_members(*, wanted: int, rng: random.Random) -> list[dict[str, Any]]:
    """`wanted` distinct ordinary members, drawn at random over the whole database, each with a user and at least one
    claim other than a draft: [{member, user, username, claims: [ids]}], in a random order."""
    bounds = Member.objects.order_by("pk").values_list("pk", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None or last is None:
        raise RotationError("the database has no member")
    span = list(range(first, last + 1))
    rng.shuffle(span)
    chosen: list[dict[str, Any]] = []
    for start in range(0, len(span), 5000):
        if len(chosen) >= wanted:
            break
        batch = span[start : start + 5000]
        members = {
            pk: (user_id, username)
            for pk, user_id, username in Member.objects.filter(
                pk__in=batch, kind=MemberKind.ORDINARY, user__isnull=False
            ).values_list("pk", "user_id", "user__username")
        }
        claims: dict[int, list[int]] = {}
        rows = Claim.objects.filter(member_id__in=list(members)).exclude(status=ClaimStatus.DRAFT)
        for member_id, claim_id in rows.order_by("pk").values_list("member_id", "pk"):
            claims.setdefault(member_id, []).append(claim_id)
        for pk in batch:  # the shuffled order, not the database's
            if pk in members and claims.get(pk):
                user_id, username = members[pk]
                chosen.append({"member": pk, "user": user_id, "username": username, "claims": claims[pk]})
                if len(chosen) >= wanted:
                    break
    if len(chosen) < wanted:
        raise RotationError(
            f"only {len(chosen)} members with a claim can be signed in, {wanted} are needed: seed more members"
        )
    return chosen


def map_question(rng: random.Random, *, categories: list[str], words: list[str]) -> str:
    """The query string of one member's map (map.js): a visible area of its own around a province's capital, with a
    category button two times in five and a word in "Cerca" one time in five. Leaflet's bounds carry many decimals,
    so no two members ask the same question and the per-process cache of answers cannot answer from an earlier one."""
    city = rng.choice(list(provinces().values()))
    lon = city.lon + rng.uniform(-0.15, 0.15)
    lat = city.lat + rng.uniform(-0.1, 0.1)
    half_w, half_h = rng.uniform(0.15, 0.6), rng.uniform(0.1, 0.4)
    query: list[tuple[str, str]] = []
    if words and rng.random() < 0.2:
        query.append(("q", rng.choice(words)))
    if categories and rng.random() < 0.4:
        query.append(("categoria", rng.choice(categories)))
    bbox = f"{lon - half_w:.13f},{lat - half_h:.13f},{lon + half_w:.13f},{lat + half_h:.13f}"
    query.append(("bbox", bbox))
    return urlencode(query)


def provider_words() -> list[str]:
    """The first word of each kind of provider's name the seeder writes ("poliambulatorio", "studio", ...)."""
    return sorted({pattern.split()[0].lower() for pattern, _ in names.PROVIDER_KINDS})


def sign_in(client: Client, factory: RequestFactory, user: User) -> str:
    """A session as the login view leaves it (production engine, auth hash, allauth's session row): its key."""
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    client.cookies = SimpleCookie()  # a new session, not the previous member's
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store: SessionBase = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=key)
    request = factory.get("/", HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="127.0.0.1")
    request.user = user
    request.session = store
    UserSession.objects.create_from_request(request, user=user, session=store)  # allauth does it on sign-in
    return key


def build(*, size: int, in_process: int, warmup: int = WARMUP, seed: int = 2026) -> dict[str, Any]:
    if size < MIN_ROTATION:
        raise RotationError(f"the rotation needs at least {MIN_ROTATION} members, not {size}")
    rng = random.Random(seed)
    started = time.perf_counter()
    picked = eligible_members(wanted=size + warmup + in_process, rng=rng)
    users = User.objects.in_bulk([p["user"] for p in picked[: size + warmup]])
    categories = sorted(Category.objects.values_list("slug", flat=True))
    words = provider_words()
    client = Client(HTTP_HOST="127.0.0.1")  # one client: each new one loads the middleware again (WhiteNoise's scan)
    factory = RequestFactory()
    entries: list[dict[str, Any]] = []
    for spec in picked[: size + warmup]:
        entries.append(
            {
                "member": spec["member"],
                "username": spec["username"],
                "session": sign_in(client, factory, users[spec["user"]]),
                "claim": rng.choice(spec["claims"]),
                "claims": len(spec["claims"]),
                "map": map_question(rng, categories=categories, words=words),
            }
        )
    return {
        "members": Member.objects.count(),
        "activity_seconds": activity_seconds(),
        "paths": paths(),
        "cookie": settings.SESSION_COOKIE_NAME,
        "user_agent": USER_AGENT,
        "rotation": entries[:size],
        "warmup": entries[size:],
        "in_process": [
            {
                "member": p["member"],
                "username": p["username"],
                "claim": rng.choice(p["claims"]),
                "claims": len(p["claims"]),
                "map": map_question(rng, categories=categories, words=words),
            }
            for p in picked[size + warmup :]
        ],
        "seconds": round(time.perf_counter() - started, 1),
    }


def activity_seconds() -> int:
    """How long a session's activity record spares its later requests (mutua's SessionActivityMiddleware)."""
    try:
        from mutua.accounts.middleware import SESSION_SEEN_SECONDS
    except ImportError:  # gone or renamed: a minute, as allauth's own tracking was throttled to
        return 60
    return int(SESSION_SEEN_SECONDS)


def paths() -> dict[str, str]:
    """Each endpoint's path from the URL map; `{claim}` and `{map}` are filled from a member's entry (bench/load.py)."""
    from django.urls import reverse

    from bench.urls import FLOOR_PATH

    claim = 918273645  # a placeholder no real claim id is mistaken for
    return {
        "floor": "/" + FLOOR_PATH,
        "home": reverse("portal:home"),
        "claim_list": reverse("portal:claim_list"),
        "claim_detail": reverse("portal:claim_detail", args=[claim]).replace(str(claim), "{claim}"),
        "receipt_pdf": reverse("portal:claim_receipt", args=[claim]).replace(str(claim), "{claim}"),
        "card_pdf": reverse("portal:card_pdf"),
        "provider_search": reverse("portal:provider_markers") + "?{map}",
    }


def distinct(entries: list[dict[str, Any]]) -> int:
    return len(Counter(e["member"] for e in entries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the load's members, signed in")
    parser.add_argument("--size", type=int, default=MIN_ROTATION)
    parser.add_argument("--in-process", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        plan = build(size=args.size, in_process=args.in_process, seed=args.seed)
    except RotationError as exc:
        raise SystemExit(f"bench: {exc}") from None
    args.out.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    print(
        f"  {len(plan['rotation'])} members signed in for the load ({distinct(plan['rotation'])} distinct), "
        f"{len(plan['in_process'])} for the in-process figures, {plan['seconds']} s"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
