"""Steps shared by the browser tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, Route, expect

LOGIN_PATH = "/accounts/login/"
OUTBOX_PATH = "/sviluppo/posta-in-uscita/"


def fill_login(page: Page, username: str, password: str) -> None:
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Accedi", exact=True).click()


def expect_italian(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "it")


def read_code(outbox: Page, *, channel: str, to_contains: str) -> str:
    """The 6-digit code in the most recent message of `channel` to a recipient containing `to_contains`."""
    outbox.reload()
    expect(outbox.get_by_role("heading", name="Posta in uscita", level=1)).to_be_visible()
    row = outbox.locator(f'tr[data-channel="{channel}"]').filter(has_text=to_contains).first
    expect(row).to_be_visible()
    body = row.locator("pre.outbox-body").inner_text()
    codes = re.findall(r"\b(\d{6})\b", body)
    assert codes, f"no code in the {channel} message to {to_contains}: {body!r}"
    return codes[-1]


# --- Claims ("Richiesta di rimborso", "Lista pratiche") -----------------------------------------------------------

MEMBER_PASSWORD = "Segreta123"


def sign_in(page: Page, base_url: str, username: str, password: str = MEMBER_PASSWORD) -> None:
    """Sign in from the login page and land on "Panoramica"."""
    page.goto(base_url + LOGIN_PATH)
    fill_login(page, username, password)
    expect(page).to_have_url(base_url + "/")


def wait_until(page: Page, function: str, arg: object = None, *, timeout: float = 10.0) -> None:
    """Poll `function` (a JavaScript function of `arg`) until it returns true.

    Not page.wait_for_function: when its first try fails, Playwright polls with code evaluated from a string,
    which the portal's Content Security Policy (no 'unsafe-eval') rightly refuses. page.evaluate is not affected.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(function, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {function}")
        page.wait_for_timeout(50)


def open_menu(page: Page, name: str) -> None:
    """Follow a link of the member's menu ("Richiesta di rimborso", "Lista pratiche", ...), opening its group
    ("Rimborsi e sussidi", "Adesioni e contributi") first when the link is in one, as a member would."""
    nav = page.get_by_role("navigation", name="Menu dell'area soci")
    link = nav.get_by_role("link", name=name, exact=True, include_hidden=True)
    group = nav.locator("details").filter(has=page.get_by_role("link", name=name, exact=True, include_hidden=True))
    if group.count() and not group.evaluate("details => details.open"):
        group.locator("summary").click()
    link.click()


def watch_context(context: BrowserContext, problems: list[str]) -> None:
    """Collect failed responses and console errors of an extra context into `problems` (the `browser_problems`
    list), as that fixture does for the default `context`, so `check_page` also judges the extra context's pages."""

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error from {message.location.get('url', '')}: {message.text}")

    def on_page(page: Page) -> None:
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    context.on("page", on_page)
    for page in context.pages:
        on_page(page)


def take_expected_problem(problems: list[str], pattern: str) -> None:
    """Remove from `problems` the entries an answer is meant to cause (e.g. "HTTP 400 POST .../documenti/" for a
    form sent back with errors), failing if there is none; any other problem stays for `check_page`."""
    expected = [p for p in problems if re.search(pattern, p)]
    assert expected, f"expected a browser problem matching {pattern!r}, got {problems}"
    for p in expected:
        problems.remove(p)


def scriptless_twin(context: BrowserContext, problems: list[str]) -> Page:
    """A page for `check_page_without_scripts`: its context has JavaScript on, but every script it loads is empty."""
    watch_context(context, problems)
    context.route(re.compile(r"\.js(\?.*)?$"), lambda route: route.fulfill(body="", content_type="text/javascript"))
    return context.new_page()


def check_page_without_scripts(check_page: Callable[[Page, str], None], twin: Page, page: Page, name: str) -> None:
    """`check_page` for a page of a context with JavaScript off (java_script_enabled=False).

    There axe never finishes (axe.run waits on setTimeout, and no timer fires with JavaScript off) and
    page.evaluate has no timeout, so check_page would hang. The very HTML the page shows is served at the same URL
    in `twin` (see `scriptless_twin`): same DOM, same stylesheets, no scripts, and axe can run.
    """
    html = page.content()
    url = page.url.split("#", 1)[0]

    def same_url(candidate: str) -> bool:
        return candidate.split("#", 1)[0] == url

    def serve(route: Route) -> None:
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    twin.route(same_url, serve)
    try:
        twin.goto(url)
    finally:
        twin.unroute(same_url, serve)
    check_page(twin, name)
