"""Telling a member something: in the portal, and by e-mail and SMS to the contacts they have verified."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from mutua.members.models import Member, NoticeCategory, NoticeChannels
from mutua.notifications.emails import email_render
from mutua.notifications.models import Notification
from mutua.notifications.outbox import email_content_queue, sms_queue
from mutua.notifications.services import notification_create
from mutua.notifications.sms import sms_fit

# What a notice needs of the member: read fresh, so that a contact verified a moment ago counts.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "email_verified_at",
    "email_bounced",
    "mobile",
    "mobile_verified_at",
    *(f"notify_{category}" for category in NoticeCategory.values),
)


@dataclass(frozen=True)
class Notice:
    """One thing to tell a member, channel by channel, already in the mutual's language.

    `body` stays behind the login (the portal), so it may quote an operator's note. `email` and `sms` leave the
    portal: status, dates and amounts only, never an operator's free text, which could name a treatment.
    """

    kind: str
    # A NoticeCategory: which of the member's channel choices applies. None for what the member asked for themselves
    # (their data export): sent to the verified contacts whatever they chose.
    category: str | None
    title: str  # the notification's title and the e-mail's subject
    body: str
    email: str  # the e-mail's text, between the greeting and the signature
    sms: str  # the whole SMS, starting with the mutual's name; cut to one SMS if longer
    url: str  # the page in the portal


def member_notify(*, member_id: int, notice: Notice) -> Notification:
    """Write the notification and queue the e-mail and SMS, all or nothing, in the caller's transaction.

    The portal always keeps the notice; the e-mail and the SMS go out only on the channels the member chose for the
    notice's category ("Avvisi"), and only to verified contacts; never to an address reported undeliverable.
    """
    member = Member.objects.only(*CONTACT_FIELDS).get(pk=member_id)
    channels = member.notice_channels(notice.category) if notice.category else NoticeChannels.EMAIL_SMS
    with translation.override(settings.LANGUAGE_CODE):
        email = email_render(
            title=notice.title,
            greeting=_("Gentile %(member)s,") % {"member": member.full_name},
            paragraphs=notice.email.split("\n\n"),
            path=notice.url,
            preferences=notice.category is not None,
        )
    with transaction.atomic(savepoint=False):  # inside the caller's transaction when there is one
        notification = notification_create(
            member_id=member.pk, kind=notice.kind, title=notice.title, body=notice.body, url=notice.url
        )
        if channels.email and member.email_verified_at and member.email and not member.email_undeliverable:
            email_content_queue(to=member.email, email=email)
        if channels.sms and member.mobile_verified_at and member.mobile:
            sms_queue(to=member.mobile.as_e164, body=sms_fit(notice.sms))
    return notification
