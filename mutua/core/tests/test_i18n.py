"""English catalogue: complete, compiled, and served when the visitor picks English."""

from __future__ import annotations

import ast
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read_catalogue(path: Path) -> list[dict]:
    """Entries of a .po file as {"flags": set, field: text}, fields being msgid, msgid_plural, msgstr, msgstr[n]."""
    entries: list[dict] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry: dict = {"flags": set()}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#~"):
                break  # obsolete entry: not used by Django
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            else:
                field, _, literal = line.partition(" ")
                entry[field] = ast.literal_eval(literal)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def translations_of(entry: dict) -> list[str]:
    return [text for field, text in entry.items() if field.startswith("msgstr")]


def test_english_catalogue_is_complete_and_not_fuzzy():
    entries = read_catalogue(PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "Language: en\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert messages, "the catalogue is empty"
    fuzzy = [m["msgid"] for m in entries if "fuzzy" in m["flags"]]
    assert fuzzy == []
    untranslated = [m["msgid"] for m in messages if not translations_of(m) or not all(translations_of(m))]
    assert untranslated == []
    for m in messages:
        translations = translations_of(m)
        if "msgid_plural" in m:
            assert {"msgstr[0]", "msgstr[1]"} <= m.keys(), m["msgid"]
            sources = [m["msgid"], m["msgid_plural"]]
        else:
            sources = [m["msgid"]]
        expected = {tuple(sorted(set(PLACEHOLDER.findall(s)))) for s in sources}
        for text in translations:
            assert tuple(sorted(set(PLACEHOLDER.findall(text)))) in expected, (m["msgid"], text)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_reports_only_translated_messages():
    result = subprocess.run(
        ["msgfmt", "--statistics", "-c", "-o", "/dev/null", str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "translated message" in result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_compiled_catalogue_is_up_to_date():
    """A .po edited without `manage.py compilemessages` must fail the suite."""
    assert MO.exists(), "run: python manage.py compilemessages --ignore=.venv"
    if MO.stat().st_mtime >= PO.stat().st_mtime:
        return
    # A fresh checkout may write django.mo a moment before django.po: then the content decides.
    if shutil.which("msgfmt") is None:
        pytest.fail(f"{MO.name} is older than {PO.name}: run python manage.py compilemessages --ignore=.venv")
    compiled = subprocess.run(["msgfmt", "--check-format", "-o", "-", str(PO)], capture_output=True, check=True).stdout
    assert compiled == MO.read_bytes(), f"{MO.name} is out of date: run python manage.py compilemessages --ignore=.venv"


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_visitor_switches_the_login_page_between_italian_and_english(client):
    italian = page(client.get("/accounts/login/"))
    assert '<html lang="it"' in italian
    assert "Accesso all'area soci" in italian
    assert ">Accedi</button>" in italian

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    english = page(client.get("/accounts/login/"))
    assert '<html lang="en"' in english
    assert "Sign in to the members' area" in english
    assert ">Sign in</button>" in english
    assert "Forgot your password?" in english
    assert "Accesso all'area soci" not in english and ">Accedi</button>" not in english

    client.post("/i18n/setlang/", {"language": "it", "next": "/accounts/login/"})
    again = page(client.get("/accounts/login/"))
    assert '<html lang="it"' in again
    assert "Accesso all'area soci" in again and ">Accedi</button>" in again
    assert "Sign in to the members' area" not in again


@pytest.mark.django_db
def test_login_page_is_served_in_the_language_of_the_cookie(client, settings):
    """The catalogue itself, independently of the switcher view: the language cookie alone picks English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client.get("/accounts/login/"))
    assert '<html lang="en"' in english
    assert "Sign in to the members' area" in english and ">Sign in</button>" in english

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    italian = page(client.get("/accounts/login/"))
    assert '<html lang="it"' in italian
    assert "Accesso all'area soci" in italian and ">Accedi</button>" in italian


@pytest.mark.django_db
def test_member_page_chrome_follows_the_language_switch(client, member):
    """The header (brand, language chooser, member menu) is in the language the member chose."""
    client.force_login(member.user)
    italian = page(client.get("/profilo/"))
    assert '<option value="it" selected>IT</option><option value="en">EN</option>' in italian
    assert "Area soci" in italian and ">Cambia lingua</button>" in italian
    assert 'aria-label="Menu dell\'area soci"' in italian

    client.post("/i18n/setlang/", {"language": "en", "next": "/profilo/"})
    english = page(client.get("/profilo/"))
    assert '<option value="it">IT</option><option value="en" selected>EN</option>' in english
    assert "Members' area" in english and ">Change language</button>" in english
    assert 'aria-label="Members\' area menu"' in english
    assert "Area soci" not in english and "Cambia lingua" not in english

    client.post("/i18n/setlang/", {"language": "it", "next": "/profilo/"})
    assert '<option value="it" selected>IT</option>' in page(client.get("/profilo/"))
