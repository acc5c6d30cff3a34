"""In-app notifications (the bell, "Notifiche") and the SMS text rules."""

from __future__ import annotations

import datetime as dt

import pytest

from mutua.members.models import Member
from mutua.notifications.models import Notification, NotificationKind
from mutua.notifications.selectors import notifications_for_member, unread_count
from mutua.notifications.services import notification_create, notifications_mark_read
from mutua.notifications.sms import sms_fit, sms_length

pytestmark = pytest.mark.django_db


def test_sms_fit_replaces_characters_outside_the_gsm_alphabet() -> None:
    assert sms_fit("L’esito – «È pronto»…  ") == "L'esito - \"E' pronto\"..."
    assert sms_fit("perché è già così") == "perché è già così"
    assert sms_length("€ 1.234,56") == 11
    assert sms_length(sms_fit("€" * 100)) <= 160


# --- notification_create --------------------------------------------------------------------------------


def test_notification_links_only_inside_the_portal(member: Member) -> None:
    notification = notification_create(
        member_id=member.pk, kind=NotificationKind.SECURITY, title="Password modificata", body="", url="/profilo/"
    )
    assert notification.url == "/profilo/"
    for url in ("https://esempio.it/", "//esempio.it/", "javascript:alert(1)", "pratiche/1/"):
        with pytest.raises(ValueError):
            notification_create(member_id=member.pk, kind=NotificationKind.GENERIC, title="x", body="", url=url)


def test_notification_kind_must_be_known(member: Member) -> None:
    with pytest.raises(ValueError):
        notification_create(member_id=member.pk, kind="marketing", title="x", body="", url="")


def test_long_texts_are_cut_to_the_columns(member: Member) -> None:
    notification = notification_create(
        member_id=member.pk, kind=NotificationKind.GENERIC, title="t" * 300, body="b" * 900, url=""
    )
    notification.refresh_from_db()
    assert len(notification.title) == 200 and len(notification.body) == 500


# --- notifications_mark_read ----------------------------------------------------------------------------


def notify(member: Member, title: str) -> Notification:
    return notification_create(member_id=member.pk, kind=NotificationKind.GENERIC, title=title, body="", url="")


def test_mark_read_marks_all_the_members_unread_notifications(member: Member) -> None:
    first, second = notify(member, "uno"), notify(member, "due")

    assert notifications_mark_read(member_id=member.pk) == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is not None
    assert unread_count(member_id=member.pk) == 0
    assert notifications_mark_read(member_id=member.pk) == 0  # already read: the first reading time is kept


def test_mark_read_with_ids_marks_only_those(member: Member) -> None:
    first, second = notify(member, "uno"), notify(member, "due")

    assert notifications_mark_read(member_id=member.pk, ids=[first.pk]) == 1

    assert list(notifications_for_member(member_id=member.pk).filter(read_at=None)) == [second]
    assert unread_count(member_id=member.pk) == 1


def test_mark_read_ignores_another_members_notifications(member: Member, other_member: Member) -> None:
    theirs = notify(other_member, "di Giulia")

    assert notifications_mark_read(member_id=member.pk, ids=[theirs.pk]) == 0
    assert notifications_mark_read(member_id=member.pk) == 0

    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_count(member_id=other_member.pk) == 1


# --- Selectors ------------------------------------------------------------------------------------------


def test_selectors_never_return_another_members_notifications(member: Member, other_member: Member) -> None:
    mine = notify(member, "mia")
    notify(other_member, "di Giulia")
    notify(other_member, "altra di Giulia")

    assert list(notifications_for_member(member_id=member.pk)) == [mine]
    assert unread_count(member_id=member.pk) == 1
    assert unread_count(member_id=other_member.pk) == 2


def test_notifications_come_newest_first_in_one_query(member: Member, django_assert_num_queries) -> None:
    old = notify(member, "vecchia")
    Notification.objects.filter(pk=old.pk).update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    new = notify(member, "nuova")

    with django_assert_num_queries(1):
        assert list(notifications_for_member(member_id=member.pk)) == [new, old]
    with django_assert_num_queries(1):
        assert unread_count(member_id=member.pk) == 2
