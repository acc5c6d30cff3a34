"""The bell and the notifications page: the member's own notifications only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.notifications.models import Notification
from mutua.notifications.services import notification_create


def make(member, n=1):
    return [
        notification_create(member_id=member.pk, kind="generic", title=f"Avviso {i}", body="Testo", url="/pratiche/")
        for i in range(n)
    ]


@pytest.mark.django_db
def test_the_bell_shows_a_new_notification_at_once(client, member):
    make(member, 1)
    client.force_login(member.user)
    assert 'data-testid="unread">1' in client.get("/pratiche/").content.decode()
    # Written however it is written (here straight into the table, as an import would), it is on the next page.
    Notification.objects.create(member=member, kind="generic", title="Dall'ufficio", body="Testo", url="/")
    assert 'data-testid="unread">2' in client.get("/pratiche/").content.decode()
    Notification.objects.filter(member=member).last().delete()
    assert 'data-testid="unread">1' in client.get("/pratiche/").content.decode()


@pytest.mark.django_db
def test_bell_counts_unread_and_page_marks_read(client, member):
    first, _second = make(member, 2)
    client.force_login(member.user)
    home = client.get("/").content.decode()
    assert 'data-testid="unread">2' in home
    page = client.get(reverse("portal:notification_list")).content.decode()
    assert "Avviso 0" in page and "Avviso 1" in page
    response = client.get(reverse("portal:notification_open", args=[first.pk]))
    assert response["Location"] == "/pratiche/"
    assert 'data-testid="unread">1' in client.get("/").content.decode()
    client.post(reverse("portal:notification_read_all"))
    assert 'data-testid="unread"' not in client.get("/").content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


@pytest.mark.django_db
def test_other_member_and_anonymous(client, member, other_member):
    (mine,) = make(member)
    client.force_login(other_member.user)
    assert "Avviso 0" not in client.get(reverse("portal:notification_list")).content.decode()
    assert client.get(reverse("portal:notification_open", args=[mine.pk])).status_code == 404
    client.post(reverse("portal:notification_read_all"))
    mine.refresh_from_db()
    assert mine.read_at is None
    client.logout()
    for url in (reverse("portal:notification_list"), reverse("portal:notification_open", args=[mine.pk])):
        assert client.get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, member, django_assert_max_num_queries):

    client.force_login(member.user)
    make(member, 2)
    client.get(reverse("portal:notification_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:notification_list"))
    make(member, 30)
    client.get(reverse("portal:notification_list"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:notification_list"))
    assert len(many) == len(few)
