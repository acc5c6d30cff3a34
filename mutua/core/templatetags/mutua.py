from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Model
from django.utils.html import format_html

from mutua.core.formatting import format_date, format_datetime, format_eur

register = template.Library()


@register.filter
def eur(value: Decimal | None) -> str:
    return format_eur(value)


@register.filter(expects_localtime=True)
def gma(value: date | None) -> str:
    """gg/mm/aaaa; a date and time is shown as its day in Rome (the template engine converts it first)."""
    return format_date(value)


@register.filter
def choice_label(item: Model, field: str) -> str:
    """The label of a choices field's value, as ``get_<field>_display`` gives it: ``{{ claim|choice_label:"kind" }}``.

    For the rows of lists: Django's ``get_<field>_display`` hashes every label of the field, translating each one, on
    every call; this translates only the one shown.
    """
    value = getattr(item, field)
    choices = item._meta.get_field(field).flatchoices  # type: ignore[union-attr]  # a concrete field, not a relation
    return str(dict(choices).get(value, value))


@register.filter(expects_localtime=True)
def gma_hm(value: datetime | None) -> str:
    """gg/mm/aaaa hh:mm in Rome, as |date:"d/m/Y H:i" shows it, without the date filter's general machinery: for
    the rows of lists (a claim's history, the latest notifications)."""
    return format_datetime(value)


# The colour of a status badge: paid or taken in charge green, closed grey, waiting for the member yellow.
STATUS_BADGES: dict[str, str] = {
    "paid": "bg-success",
    "settled": "bg-success",
    "taken": "bg-success",
    "rejected": "bg-secondary",
    "refused": "bg-secondary",
    "cancelled": "bg-secondary",
    "suspended": "bg-warning",
}


@register.filter
def status_badge(item: Any) -> str:
    """A claim's or booking's status as a badge; a filter rather than an include, for the rows of long lists."""
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_BADGES.get(item.status, "bg-primary"),
        item.status,
        choice_label(item, "status"),
    )


@register.simple_tag
def widget(field: Any, **attrs: Any) -> str:
    """Render a bound field's widget with Bootstrap Italia classes and ARIA links to its help and errors."""
    input_type = getattr(field.field.widget, "input_type", "")
    css = "form-check-input" if input_type in ("checkbox", "radio") else "form-control"
    final: dict[str, Any] = {"class": css}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-help")
    if field.errors:
        final["class"] += " is-invalid"
        final["aria-invalid"] = "true"
        described.append(f"{field.auto_id}-error")
    if described:
        final["aria-describedby"] = " ".join(described)
    if field.field.required:
        final["aria-required"] = "true"
    final.update(attrs)
    return str(field.as_widget(attrs=final))


# The member menu follows the guide's sections; each page says which entry it belongs to by its URL name.
MENU_ENTRIES: dict[str, str] = {
    "home": "home",
    "reimbursement_start": "reimbursement",
    "study_start": "study",
    "claim_list": "claims",
    "claim_detail": "claims",
    "claim_submitted": "claims",
    "subsidies_summary": "subsidies",
    "enrollments": "enrollments",
    "certificates": "certificates",
    "card": "card",
    "tax_return": "tax_return",
    "providers": "providers",
    "booking_start": "booking",
    "booking_draft": "booking",
    "booking_detail": "claims",
}
MENU_GROUPS: dict[str, tuple[str, ...]] = {
    "claims_group": ("reimbursement", "study", "claims", "subsidies"),
    "membership_group": ("enrollments", "certificates", "tax_return", "card"),
}


MENU_NAMES: frozenset[str] = frozenset(MENU_ENTRIES.values()) | frozenset(MENU_GROUPS)


@register.simple_tag(takes_context=True)
def menu_entry(context: template.Context) -> dict[str, bool | str]:
    """Which menu entries and groups the current page belongs to: {"claims": True, "claims_group": True}."""
    match = getattr(context.get("request"), "resolver_match", None)
    entry = MENU_ENTRIES.get(match.url_name or "", "") if match and match.namespace == "portal" else ""
    if match and match.url_name == "claim_draft":  # a draft is reached from its own start page
        claim = context.get("claim")
        entry = "study" if getattr(claim, "kind", "") == "study_subsidy" else "reimbursement"
    # Every entry and group is a key, so that the menu's {% if here.<name> %} never misses a lookup (each miss costs
    # the template engine an exception and a dir()).
    current: dict[str, bool | str] = dict.fromkeys(MENU_NAMES, False)
    current["entry"] = entry
    if entry:
        current[entry] = True
    current.update({group: True for group, entries in MENU_GROUPS.items() if entry in entries})
    return current
