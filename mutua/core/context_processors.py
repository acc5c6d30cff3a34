from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "MUTUA_NAME": settings.MUTUA_NAME,
        "MUTUA_LOGO": settings.MUTUA_LOGO,
        "MUTUA_INFOCENTER_EMAIL": settings.MUTUA_INFOCENTER_EMAIL,
        "MUTUA_WEBSITE": settings.MUTUA_WEBSITE,
        "MUTUA_REGISTERED_OFFICE": settings.MUTUA_REGISTERED_OFFICE,
        "MUTUA_FISCAL_CODE": settings.MUTUA_FISCAL_CODE,
        "MUTUA_SHOW_OUTBOX": settings.MUTUA_SHOW_OUTBOX,
    }
