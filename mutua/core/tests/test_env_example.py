""".env.example is the deployment's env file as it is (compose.yaml's env_file, `docker run --env-file`): one
NAME=value per line, comments on their own lines, and every setting config/settings.py reads and every variable
compose.yaml interpolates listed in it."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def entries() -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate((ROOT / ".env.example").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = LINE.match(line)
        assert match, f".env.example:{number}: not NAME=value: {line!r}"
        name, value = match.groups()
        assert name not in found, f".env.example:{number}: {name} twice"
        assert " #" not in value and "\t#" not in value, f".env.example:{number}: an inline comment would be the value"
        assert "$" not in value, f".env.example:{number}: compose would read $ as a variable"
        assert value == value.strip(), f".env.example:{number}: spaces around the value"
        assert not value.startswith(("'", '"')), f".env.example:{number}: quotes would be part of the value"
        found[name] = value
    return found


def test_every_line_is_a_comment_or_name_equals_value() -> None:
    assert len(entries()) > 50


def test_every_setting_read_from_the_environment_is_listed() -> None:
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:os\.environ(?:\.get)?[\[(]|env_bool\(|env_path\()"([A-Z][A-Z0-9_]*)"', source))
    assert read, "no variable found in config/settings.py"
    assert read - set(entries()) == set()


def test_every_variable_of_compose_yaml_is_listed() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    assert used - set(entries()) == set()


def test_the_settings_load_from_the_file_as_it_is_with_the_required_values_filled(monkeypatch) -> None:
    for name, value in entries().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("MUTUA_SEPA_IBAN", "IT25O0306909606100000012345")
    loaded = runpy.run_path(str(ROOT / "config" / "settings.py"))
    assert loaded["DEBUG"] is False
    assert loaded["STATIC_ROOT"] == ROOT / "staticfiles"  # set to nothing: the default, not the current directory
    assert loaded["MEDIA_ROOT"] == ROOT / "var" / "media"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    assert loaded["SCHEDULE_PURGE_DRAFTS"] == "30 2 * * *"


def test_without_a_secret_key_production_settings_refuse_to_load(monkeypatch) -> None:
    for name, value in entries().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match="DJANGO_SECRET_KEY"):
        runpy.run_path(str(ROOT / "config" / "settings.py"))
