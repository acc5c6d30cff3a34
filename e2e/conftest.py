"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

How they run and why (the browser and its flags, DJANGO_ALLOW_ASYNC_UNSAFE, the checks of every page, the
screenshots): docs/testing.md, Browser tests. Never run `playwright install`: the browser is Debian's `chromium`
package, /usr/bin/chromium unless CHROMIUM_PATH says otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, Response

# Sync Playwright runs an event loop in the test thread: without this the ORM raises SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = E2E_DIR.parent / "var" / "e2e-screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--lang=it-IT",  # Chromium's own controls (date fields, file buttons) as an Italian member sees them
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_axe = Axe()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "it-IT"}


@pytest.fixture
def base_url_live(live_server, transactional_db) -> str:
    """The live server's root URL (no trailing slash); the database is shared with the server thread."""
    return live_server.url


@pytest.fixture
def browser_problems(context) -> list[str]:
    """Failed HTTP responses (4xx/5xx, e.g. a CSS file not served), console errors (e.g. CSP) and uncaught script
    errors (which are not console messages) of every tab."""
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error from {message.location.get('url', '')}: {message.text}")

    def on_page_error(error: Exception) -> None:
        problems.append(f"script error: {error}")

    def on_page(page: Page) -> None:
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    context.on("page", on_page)
    for page in context.pages:
        on_page(page)
    return problems


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def check_page_for(test_name: str, problems: list[str], page: Page, name: str) -> None:
    """Screenshot the whole page, check it is Italian and fully loaded, and that axe finds no violations."""
    page.wait_for_load_state("load")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{_slug(test_name)}-{_slug(name)}.png"), full_page=True)
    assert page.locator("html").get_attribute("lang") == "it", f"{name}: <html lang> is not 'it' ({page.url})"
    loaded = page.evaluate(
        "Array.from(document.querySelectorAll('link[rel=stylesheet]'))"
        ".map(l => [l.href, !!(l.sheet && l.sheet.cssRules.length)])"
    )
    assert loaded and all(ok for _, ok in loaded), f"{name}: stylesheets not loaded: {loaded}"
    assert not problems, f"{name}: the browser reported problems:\n" + "\n".join(problems)
    results = _axe.run(page)
    details = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    - {', '.join(map(str, n['target']))}: {n['html']}" for n in v["nodes"])
        for v in results.response["violations"]
    )
    assert results.violations_count == 0, (
        f"axe violations on '{name}' ({page.url}):\n{results.generate_snapshot()}\n{details}"
    )


@pytest.fixture
def check_page(request: pytest.FixtureRequest, browser_problems: list[str]) -> Callable[[Page, str], None]:
    """check_page(page, name): screenshot to var/e2e-screenshots/<test-name>-<name>.png, lang, CSS, axe."""

    def check(page: Page, name: str) -> None:
        check_page_for(request.node.originalname, browser_problems, page, name)

    return check
