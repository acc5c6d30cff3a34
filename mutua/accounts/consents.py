""" "I miei consensi": the member gives or withdraws the optional consents of the privacy notice at any time."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.http import HttpRequest

from mutua.accounts.first_access import consent_record
from mutua.members.models import OPTIONAL_PURPOSES, Consent, ConsentPurpose, Member
from mutua.members.selectors import consent_state, privacy_notices


class ConsentError(Exception):
    pass


def consents_update(
    *, member: Member, choices: Mapping[ConsentPurpose, bool], request: HttpRequest | None
) -> list[Consent]:
    """Record each optional purpose whose choice changed, on the notice in force: a withdrawal is a new row, kept with
    its time and the notice version, never an edit (GDPR art. 7(3): withdrawing as easy as giving)."""
    if any(purpose not in OPTIONAL_PURPOSES for purpose in choices):
        raise ConsentError("only optional purposes are changed here")
    notice = privacy_notices().first()
    if notice is None:
        raise ConsentError("no privacy notice is published")
    recorded: list[Consent] = []
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member.pk)  # two tabs at once: one row per change
        state = consent_state(member=member)
        for purpose, given in choices.items():
            if state[purpose] == given:
                continue
            recorded.append(
                consent_record(
                    member=member,
                    notice=notice,
                    given=given,
                    request=request,
                    purpose=purpose,
                    withdrawal=not given,
                )
            )
    return recorded
