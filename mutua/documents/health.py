"""/readyz's `antivirus` check (mutua.core.health): ClamAV's daemon answers PING. Asked only when CLAMD_URL is set:
while clamd does not answer, uploaded files wait for their scan and operators cannot open them."""

from __future__ import annotations

import dataclasses

from asgiref.sync import sync_to_async
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from mutua.documents.scanning import clamd_ping, scanning_enabled


@dataclasses.dataclass
class MalwareScanner(HealthCheck):
    async def run(self) -> None:
        if not await sync_to_async(clamd_ping, thread_sensitive=False)():
            raise ServiceUnavailable("clamd does not answer")


def malware_scanner_check() -> HealthCheck | None:
    return MalwareScanner() if scanning_enabled() else None
