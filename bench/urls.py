"""The portal's URLs plus the floor: a bare Django view served by the same gunicorn, middleware and settings."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

FLOOR_PATH = "__bench__/floor/"


@login_not_required
def floor(request: HttpRequest) -> HttpResponse:
    """No query, no template, no session read: what the framework costs on its own."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path(FLOOR_PATH, floor, name="bench_floor"),
    path("", include("config.urls")),
]
