""" "Avvisi": the member's channels for each category of notice, respected by the outbox; codes and security
notices always sent; every change recorded (mutua.members.preferences, mutua.accounts.profile)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client

from mutua.accounts.codes import code_issue
from mutua.accounts.models import CodePurpose, User
from mutua.accounts.services import password_changed_notice
from mutua.audit.models import AuditEvent
from mutua.bookings import services as booking_services
from mutua.bookings.tests.factories import sent_booking
from mutua.claims.models import ClaimStatus
from mutua.claims.notices import suspension_reminder_notify
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimFactory
from mutua.members.models import Member, MemberChange, NoticeCategory, NoticeChannels
from mutua.members.notices import Notice, member_notify
from mutua.members.preferences import member_notice_preferences_update
from mutua.notifications.models import Channel, Notification, NotificationKind, OutboundMessage

pytestmark = pytest.mark.django_db

EXPECTED = {
    NoticeChannels.EMAIL_SMS: [Channel.EMAIL, Channel.SMS],
    NoticeChannels.EMAIL: [Channel.EMAIL],
    NoticeChannels.SMS: [Channel.SMS],
    NoticeChannels.PORTAL: [],
}


def claim_moved(member: Member, operator: User) -> None:
    claim = ClaimFactory(member=member)
    claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=member.user)


def booking_cancelled(member: Member, operator: User) -> None:
    booking = sent_booking(member)
    OutboundMessage.objects.all().delete()  # the submission's own notice was sent under the same choice
    Notification.objects.all().delete()
    booking_services.booking_cancel(booking=booking, actor=member.user)


def reminder(member: Member, operator: User) -> None:
    claim = ClaimFactory(member=member)
    suspension_reminder_notify(member_id=member.pk, claim_id=claim.pk, deadline=dt.date(2026, 7, 1))


def news(member: Member, operator: User) -> None:
    member_notify(
        member_id=member.pk,
        notice=Notice(
            kind=NotificationKind.GENERIC,
            category=NoticeCategory.NEWS,
            title="Nuovo tariffario dal 1° luglio",
            body="Il tariffario delle prestazioni cambia dal 1° luglio.",
            email="Il tariffario delle prestazioni cambia dal 1° luglio.",
            sms="Mutua: il tariffario cambia dal 1° luglio.",
            url="/",
        ),
    )


SENDERS: dict[str, Callable[[Member, User], None]] = {
    NoticeCategory.CLAIMS: claim_moved,
    NoticeCategory.BOOKINGS: booking_cancelled,
    NoticeCategory.REMINDERS: reminder,
    NoticeCategory.NEWS: news,
}


@pytest.mark.parametrize("channels", list(NoticeChannels))
@pytest.mark.parametrize("category", list(NoticeCategory))
def test_each_category_goes_only_to_the_channels_the_member_chose(
    member: Member, operator: User, category: str, channels: str
) -> None:
    member_notice_preferences_update(member=member, actor=member.user, channels={category: channels})

    SENDERS[category](member, operator)

    assert sorted(OutboundMessage.objects.values_list("channel", flat=True)) == EXPECTED[NoticeChannels(channels)]
    assert Notification.objects.filter(member=member).count() == 1  # the portal always keeps it


def test_a_choice_for_one_category_leaves_the_others_alone(member: Member, operator: User) -> None:
    member_notice_preferences_update(member=member, actor=member.user, channels={"claims": "portal"})

    reminder(member, operator)

    assert sorted(OutboundMessage.objects.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.SMS]


def test_news_stay_in_the_portal_until_the_member_asks_for_more(member: Member, operator: User) -> None:
    news(member, operator)
    assert not OutboundMessage.objects.exists()


def test_codes_and_security_notices_are_sent_whatever_the_choices(member: Member) -> None:
    member_notice_preferences_update(
        member=member, actor=member.user, channels=dict.fromkeys(NoticeCategory.values, NoticeChannels.PORTAL)
    )

    code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
    code_issue(user=member.user, purpose=CodePurpose.MOBILE, target=member.mobile.as_e164)
    password_changed_notice(user=member.user)

    assert sorted(OutboundMessage.objects.values_list("channel", flat=True)) == [
        Channel.EMAIL,
        Channel.EMAIL,
        Channel.SMS,
    ]


def test_each_change_is_a_dated_version_with_its_author_and_an_audit_row(member: Member) -> None:
    member_notice_preferences_update(
        member=member, actor=member.user, channels={"claims": "email", "bookings": "email_sms", "news": "sms"}
    )

    changes = {c.field: (c.old_value, c.new_value, c.actor_id) for c in MemberChange.objects.filter(member=member)}
    assert changes == {
        "notify_claims": ("email_sms", "email", member.user.pk),
        "notify_news": ("portal", "sms", member.user.pk),
    }  # bookings did not change: no version
    [event] = AuditEvent.objects.filter(action="member.notice_preferences_changed")
    assert event.data["fields"] == ["notify_claims", "notify_news"]
    assert str(MemberChange.objects.get(field="notify_claims").field_label()) == "avvisi sulle pratiche"


def test_an_unknown_channel_saves_nothing(member: Member) -> None:
    with pytest.raises(ValueError):
        member_notice_preferences_update(
            member=member, actor=member.user, channels={"claims": "portal", "news": "piccione"}
        )
    member.refresh_from_db()
    assert member.notify_claims == NoticeChannels.EMAIL_SMS
    assert not MemberChange.objects.exists()


# --- The "Avvisi" section of Profilo ------------------------------------------------------------------------------

FORM = {"claims": "email", "bookings": "sms", "reminders": "email_sms", "news": "portal"}


def test_profile_shows_the_choices_and_says_security_messages_are_always_sent(client: Client, member: Member) -> None:
    member_notice_preferences_update(member=member, actor=member.user, channels={"bookings": "sms"})
    client.force_login(member.user)

    page = client.get("/profilo/").content.decode()

    assert 'id="avvisi"' in page
    assert "I codici di verifica e i messaggi di sicurezza" in page and "ti arrivano sempre" in page
    assert re.search(r'name="bookings" value="sms"[^>]* checked>', page)
    assert re.search(r'name="claims" value="email_sms"[^>]* checked>', page)
    assert not re.search(r'name="claims" value="portal"[^>]* checked>', page)
    for label in ("Pratiche", "Prenotazioni", "Promemoria", "Novità dalla mutua", "Solo nel portale"):
        assert label in page


def test_profile_saves_the_choices(client: Client, member: Member) -> None:
    client.force_login(member.user)

    response = client.post("/profilo/avvisi/", FORM)

    assert response.status_code == 302 and response["Location"] == "/profilo/#avvisi"
    member.refresh_from_db()
    assert [member.notify_claims, member.notify_bookings, member.notify_reminders, member.notify_news] == [
        "email",
        "sms",
        "email_sms",
        "portal",
    ]
    assert "Preferenze sugli avvisi salvate." in client.get("/profilo/").content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {**FORM, "news": "piccione"},
        {**FORM, "claims": ""},
        {k: v for k, v in FORM.items() if k != "reminders"},
        {**FORM, "bookings": "<script>alert(1)</script>"},
        {**FORM, "claims": "x" * 10_000},
    ],
)
def test_a_wrong_choice_is_told_next_to_its_field_and_nothing_is_saved(
    client: Client, member: Member, bad: dict[str, str]
) -> None:
    client.force_login(member.user)

    response = client.post("/profilo/avvisi/", bad)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Scegli una delle possibilità elencate." in page or "Scegli come ricevere questi avvisi." in page
    assert "<script>alert(1)</script>" not in page
    member.refresh_from_db()
    assert member.notify_claims == NoticeChannels.EMAIL_SMS and member.notify_news == NoticeChannels.PORTAL
    assert not MemberChange.objects.exists()


def test_one_members_choices_never_touch_another(client: Client, member: Member, other_member: Member) -> None:
    client.force_login(other_member.user)
    client.post("/profilo/avvisi/", {**FORM, "claims": "portal"})
    member.refresh_from_db()
    other_member.refresh_from_db()
    assert member.notify_claims == NoticeChannels.EMAIL_SMS
    assert other_member.notify_claims == NoticeChannels.PORTAL


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, member: Member) -> None:
    response = client.post("/profilo/avvisi/", FORM)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    member.refresh_from_db()
    assert member.notify_bookings == NoticeChannels.EMAIL_SMS


def test_a_user_who_is_not_a_member_has_no_notices_to_choose(client: Client, operator: User) -> None:
    client.force_login(operator)
    assert client.post("/profilo/avvisi/", FORM).status_code == 404
    page = client.get("/profilo/")
    assert page.status_code == 200 and 'id="avvisi"' not in page.content.decode()


def test_only_post_changes_choices(client: Client, member: Member) -> None:
    client.force_login(member.user)
    assert client.get("/profilo/avvisi/", FORM).status_code == 405
