from typing import Any

from django.http import HttpRequest

from mutua.backoffice.permissions import Action, can


def area(request: HttpRequest) -> dict[str, Any]:
    """Which area the header and the title name: the back office on its own pages (its sign-in included) and on
    every page an operator sees (profile, password, two factors); the members' area otherwise."""
    match = getattr(request, "resolver_match", None)
    in_backoffice = (match is not None and "backoffice" in match.namespaces) or can(
        getattr(request, "user", None), Action.VIEW
    )
    return {"in_backoffice": in_backoffice}
