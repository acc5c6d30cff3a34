from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mutua.audit.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: Any = None,
    member: Any = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit row; callers put it in the same transaction as the change it records.

    The address is the request's, or `ip_address` for work a worker does on behalf of a request."""
    ip = ip_address
    if request is not None:
        from mutua.core.ratelimit import client_ip

        ip = client_ip(request)
        if ip == "unknown":
            ip = None
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    return AuditEvent.objects.create(action=action, actor=actor, member=member, ip_address=ip, data=data)
