"""Deploy checks (`manage.py check --deploy`, run by the image before it serves): the public address and the cache.

Each refuses, with its own id and a message in the active language saying what to set, a configuration that would
start but fail members: links printed on receipts and cards that lead nowhere, rate limits and sessions that each
process keeps to itself.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.translation import gettext as _

# Cache backends that live inside one process: fine for one process, wrong for several.
PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


def local_host(host: str) -> bool:
    """A host name or address members cannot reach from the internet."""
    host = host.strip("[]").lower().rstrip(".")
    if host in {"", "localhost"} or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare name ("web", "mutua") resolves only inside a network
    return not address.is_global


def public_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """MUTUA_PUBLIC_URL must be the portal's public address: it is printed, as QR codes, on receipts and cards."""
    value = str(getattr(settings, "MUTUA_PUBLIC_URL", "") or "")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [
            Error(
                _("MUTUA_PUBLIC_URL manca o non è un indirizzo web («%(value)s»).") % {"value": value},
                hint=_(
                    "Imposta MUTUA_PUBLIC_URL all'indirizzo pubblico del portale, per esempio "
                    "https://soci.mutua.example: è stampato nei codici QR di ricevute e tessere."
                ),
                id="core.E001",
            )
        ]
    if local_host(parts.hostname):
        return [
            Error(
                _(
                    "MUTUA_PUBLIC_URL è un indirizzo locale (%(host)s): i soci non aprirebbero i link stampati su "
                    "ricevute e tessere."
                )
                % {"host": parts.hostname},
                hint=_(
                    "Imposta MUTUA_PUBLIC_URL all'indirizzo pubblico del portale, per esempio https://soci.mutua.example."
                ),
                id="core.E002",
            )
        ]
    return []


def web_processes() -> int:
    """The gunicorn processes of the deployment: WEB_CONCURRENCY (or gunicorn.conf.py's 2 per core) per host."""
    per_host = settings.WEB_CONCURRENCY or 2 * (os.cpu_count() or 1)
    return int(per_host) * max(1, settings.APP_HOSTS)


IMMEDIATE_TASKS = "django_tasks.backends.immediate.ImmediateBackend"


def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Several web processes need one cache: rate limits, used two-factor codes and sessions must hold across them.
    So does one web process beside a task worker: the worker keeps the password reset's phantom codes for the web
    process to read (mutua.accounts.password_reset); in a cache of its own, an unknown username would answer
    «Richiedi un nuovo codice.» where a member's answers «Il codice non è corretto…»."""
    backend = cast(dict[str, Any], settings.CACHES["default"])["BACKEND"]
    if backend not in PROCESS_CACHES:
        return []
    tasks_backend = cast(dict[str, Any], settings.TASKS["default"])["BACKEND"]
    if web_processes() == 1 and tasks_backend != IMMEDIATE_TASKS:
        return [
            Error(
                _(
                    "Il web e il worker dei task senza una cache condivisa: i codici fittizi del recupero password, "
                    "scritti dal worker, non arriverebbero al web, e la risposta direbbe se una username esiste."
                ),
                hint=_("Imposta REDIS_URL (redis://host:6379/0)."),
                id="core.E003",
            )
        ]
    processes = web_processes()
    if processes > 1:
        return [
            Error(
                _(
                    "%(processes)d processi web senza una cache condivisa: limiti di tentativi, codici a due fattori "
                    "già usati e sessioni chiuse varrebbero in un processo solo."
                )
                % {"processes": processes},
                hint=_(
                    "Imposta REDIS_URL (redis://host:6379/0), oppure WEB_CONCURRENCY=1 e APP_HOSTS=1 per un solo "
                    "processo."
                ),
                id="core.E003",
            )
        ]
    return []
