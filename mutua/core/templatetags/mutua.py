from datetime import date
from decimal import Decimal
from typing import Any

from django import template

from mutua.core.formatting import format_date, format_eur

register = template.Library()


@register.filter
def eur(value: Decimal | None) -> str:
    return format_eur(value)


@register.filter
def gma(value: date | None) -> str:
    return format_date(value)


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
    return field.as_widget(attrs=final)
