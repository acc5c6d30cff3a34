"""Every e-mail in one branded layout, as HTML and plain text from the same Django templates.

The layout (templates/notifications/email/message.html and .txt) carries the mutual's name and logo, the infocenter,
and a plain link to the page of the portal the message is about: the address is written out, never hidden behind
"click here", so a member can tell it from a phishing link. What a message says is written by the app it is about
(claims, bookings, accounts); this module only lays it out. No health details: the texts given here leave the portal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class EmailContent:
    """One e-mail ready for the outbox: the subject, the plain text and the HTML of the same message."""

    subject: str
    text: str
    html: str


def portal_url(path: str) -> str:
    """The full address of a page of the portal (`path` starts with /), as printed in e-mails."""
    return f"{settings.MUTUA_PUBLIC_URL}{path}" if path else ""


def email_render(
    *,
    title: str,
    paragraphs: Sequence[str],
    greeting: str = "",
    code: str = "",
    path: str = "",
    link_label: str = "",
    security: bool = False,
    preferences: bool = True,
) -> EmailContent:
    """Lay out one message in the active language: the title is also the subject (after the mutual's name).

    `path` is the page of the portal the message is about; `code` a one-time code shown large; `security` marks
    messages that are always sent whatever the member's preferences, and says so; `preferences=False` leaves out the
    link to the member's choices (a message the member asked for, sent whatever they chose).
    """
    context = {
        "mutua_name": settings.MUTUA_NAME,
        "logo_url": settings.MUTUA_PUBLIC_URL + static(settings.MUTUA_EMAIL_LOGO),
        "website": settings.MUTUA_WEBSITE,
        "infocenter": settings.MUTUA_INFOCENTER_EMAIL,
        "title": title,
        "greeting": greeting or _("Gentile socio/a,"),
        "paragraphs": [p for p in paragraphs if p],
        "code": code,
        "link_url": portal_url(path),
        "link_label": link_label or _("Apri la pagina nell'area soci"),
        "preferences_url": portal_url(reverse("profile:home") + "#avvisi") if preferences and not security else "",
        "security": security,
    }
    return EmailContent(
        subject=f"{settings.MUTUA_NAME} – {title}",
        text=render_to_string("notifications/email/message.txt", context).strip() + "\n",
        html=render_to_string("notifications/email/message.html", context),
    )
