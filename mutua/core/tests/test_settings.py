"""Configuration: every knob is documented, and production settings are safe."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mutua.core.formatting import format_date, format_eur
from mutua.core.provinces import provinces, regions

ROOT = Path(__file__).resolve().parents[3]


def test_env_example_lists_every_setting_read_from_the_environment():
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'(?:os\.environ\.get|env_bool)\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()


def production(extra: dict[str, str] | None = None) -> dict:
    env = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin", **(extra or {})}
    code = (
        "import json, django; from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'cookie': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE, "
        "'hsts': s.SECURE_HSTS_SECONDS, 'static': s.STORAGES['staticfiles']['BACKEND'], "
        "'email': s.EMAIL_BACKEND, 'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'], "
        "'session': s.SESSION_ENGINE, 'cache': s.CACHES['default']['BACKEND']}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_production_settings_are_secure():
    prod = production()
    assert prod["debug"] is False
    assert prod["cookie"] and prod["csrf"] and prod["hsts"] >= 31536000
    assert prod["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert prod["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert prod["csp"] == ["'self'"]


def test_sessions_are_read_from_redis_only_when_the_cache_is_shared():
    alone = production()
    assert alone["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert alone["session"] == "django.contrib.sessions.backends.db"  # a per-process cache would keep ended sessions
    shared = production({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert shared["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["session"] == "django.contrib.sessions.backends.cached_db"


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        env={"DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_110_provinces_and_20_regions():
    assert len(provinces()) == 110
    assert len(regions()) == 20
    assert provinces()["MI"].name == "Milano"


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1234.56", "€ 1.234,56"), ("0.5", "€ 0,50"), ("1000000", "€ 1.000.000,00"), ("-12.345", "-€ 12,35")],
)
def test_amounts_in_italian_format(amount, text):
    from decimal import Decimal

    assert format_eur(Decimal(amount)) == text


def test_dates_in_italian_format():
    import datetime as dt

    assert format_date(dt.date(2026, 3, 9)) == "09/03/2026"
