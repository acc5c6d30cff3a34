from __future__ import annotations

import functools
import hmac
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model
from django.http import HttpRequest

from mutua.accounts.models import User
from mutua.accounts.passwords import first_access_password
from mutua.members.models import Member, RegionalOffice

# Per model of user_with_member's query: the model, its fields' attnames, its columns in a row, the pk's position.
_Layout = list[tuple[type[Model], list[str], slice, int]]


def user_with_member(user_id: Any) -> User | None:
    """The user of a signed-in request, with their member record and regional office in the same query.

    Every member page needs the member; fetched here, it costs no second query (``request.user.member``). The result
    is what ``User.objects.select_related("member__regional_office")`` gives: every field of the three models, the
    same converters and related caches. Only compiling the query, which cost more CPU than everything else a
    signed-in request does before its view, is done once per process (``_user_with_member_plan``).
    """
    db = router.db_for_read(User)
    connection = connections[db]
    sql, converters, layout = _user_with_member_plan(db)
    with connection.cursor() as cursor:
        cursor.execute(sql, [User._meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for pos, (convs, expression) in converters:
        for converter in convs:
            row[pos] = converter(row[pos], expression, connection)
    user, member, office = (
        model.from_db(db, names, row[cols]) if row[cols][pk] is not None else None for model, names, cols, pk in layout
    )
    assert isinstance(user, User)
    # The caches select_related fills: user.member (None too, so that asking costs no query), member.user and
    # member.regional_office.
    member_user = Member._meta.get_field("user")
    member_user.remote_field.set_cached_value(user, member)
    if member is not None:
        member_user.set_cached_value(member, user)
        Member._meta.get_field("regional_office").set_cached_value(member, office)
    return user


@functools.cache
def _user_with_member_plan(db: str) -> tuple[str, list[tuple[int, Any]], _Layout]:
    """The SQL of user_with_member, its column converters and which columns belong to which model.

    Taken from the ORM's own compiler, so from the models' current fields: a field added to User, Member or
    RegionalOffice is selected and loaded like the others.
    """
    compiler = User.objects.select_related("member__regional_office").filter(pk=1).query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    if params != (1,):  # the user's id must be the query's only parameter
        raise ImproperlyConfigured(f"user_with_member: unexpected query parameters {params!r}")
    columns = [col for col, _, _ in compiler.select]
    converters = list(
        compiler.get_converters(columns).items()
    )  # bound to one connection, they only read the backend's settings
    layout: _Layout = []
    start = 0
    for model in (User, Member, RegionalOffice):  # select_related's order: each model's columns, one after the other
        names = [col.target.attname for col in columns if col.target.model is model]
        cols = slice(start, start + len(names))
        if [col.target.model for col in columns[cols]] != [model] * len(names):
            raise ImproperlyConfigured(f"user_with_member: the columns of {model.__name__} are not contiguous")
        layout.append((model, names, cols, names.index(model._meta.pk.attname)))
        start = cols.stop
    if start != len(columns):
        raise ImproperlyConfigured("user_with_member: the query selects columns of another model")
    return sql, converters, layout


class MemberModelBackend(ModelBackend):
    """Django's username and password backend, loading the member with the user on every request."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        user = user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class MemberAuthenticationBackend(AuthenticationBackend):
    """allauth's backend (the one its login flows record in the session), with the same one-query get_user."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        user = user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class FirstAccessBackend(BaseBackend):
    """Accepts the derived first-access password until first access is complete.

    The session it starts never reaches the portal: the first-access login stage stops it until a new
    password, contacts and consent are given.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        user = (
            User.objects.filter(username=username, is_active=True, first_access_completed_at=None)
            .select_related("member")
            .first()
        )
        member = getattr(user, "member", None) if user else None
        if user is None or member is None:
            return None
        expected = first_access_password(username=user.username, fiscal_code=member.fiscal_code)
        if hmac.compare_digest(expected.encode(), password.encode()):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        user = user_with_member(user_id)
        return user if user is not None and user.is_active else None
