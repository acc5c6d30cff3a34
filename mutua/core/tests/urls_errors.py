"""A page that fails while holding a member's data, for the error-report test (test_errors.py)."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

PERSONAL = {
    "codice fiscale": "RSSMRA80A01H501U",
    "codice fiscale (omocodia)": "RSSMRA80A01H50MX",
    "IBAN": "IT60X0542811101000000123456",
    "IBAN spaced": "IT60 X054 2811 1010 0000 0123 456",
    "e-mail": "mario.rossi@esempio.it",
    "mobile": "+393331234567",
    "mobile as typed": "333 1234567",
    "file name": "referto_cardiologia_rossi.pdf",
}


@login_not_required
def boom(request: HttpRequest) -> HttpResponse:
    details = ", ".join(PERSONAL.values())
    logging.getLogger("mutua.claims").error("could not save the claim of %s", details)
    raise ValueError(f"unexpected data: {details}")


urlpatterns = [path("boom/", boom)]
