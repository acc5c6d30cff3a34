"""Steps shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

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
