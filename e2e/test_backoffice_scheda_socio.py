"""Back office, Scheda socio: from the Soci list an operator opens a member's page and reads the undeliverable
e-mail, the registry's latest change and the warning that the last full export no longer lists the member; from
there a claim's review page, and back to the member's page by their name."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.test_backoffice_prenotazioni import staff, staff_signs_in
from mutua.accounts.models import Role
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import Member, MemberChange
from mutua.members.tests.factories import MemberFactory
from mutua.plans.tests.factories import EnrollmentFactory, PlanFactory
from mutua.registry.services import registry_user


def test_scheda_socio_dalla_lista_e_dalla_pratica(page: Page, base_url_live: str, check_page) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    EnrollmentFactory(member=member, plan=PlanFactory(name="Piano Base"))
    claim = sent_claim(member)
    MemberChange.objects.create(
        member=member,
        actor=registry_user(),
        changed_at=timezone.now() - dt.timedelta(days=3),
        field="residence_city",
        old_value="Milano",
        new_value="Monza",
    )
    Member.objects.filter(pk=member.pk).update(
        email_bounced=member.email,
        email_bounced_at=timezone.now() - dt.timedelta(days=1),
        email_bounce_reason="casella inesistente",
        registry_missing_since=timezone.localdate(),
    )
    secret = staff("operatore.schede", Role.OPERATOR, "Olga", "Neri")
    staff_signs_in(page, base_url_live, "operatore.schede", secret)

    page.get_by_role("link", name="Soci: primo accesso").click()
    page.get_by_test_id("socio").get_by_role("link", name="Rossi Mario").click()

    expect(page.get_by_role("heading", name="Scheda socio: Mario Rossi", level=1)).to_be_visible()
    expect(page.get_by_test_id("email-non-recapitabile")).to_have_text("non recapitabile")
    expect(page.get_by_test_id("campi-registro")).to_contain_text("Monza")
    expect(page.get_by_test_id("assente-dal-registro")).to_be_visible()
    expect(page.get_by_test_id("adesioni")).to_contain_text("Piano Base")
    check_page(page, "scheda-socio")

    page.get_by_test_id("pratiche").get_by_role("link", name=f"Pratica n. {claim.pk}").click()
    expect(page.get_by_role("heading", name=f"Pratica n. {claim.pk}", level=1)).to_be_visible()
    page.get_by_test_id("scheda-socio").click()
    expect(page.get_by_role("heading", name="Scheda socio: Mario Rossi", level=1)).to_be_visible()
    page.get_by_label("Percorso").get_by_role("link", name="Soci").click()
    expect(page.get_by_role("heading", name="Soci: primo accesso", level=1)).to_be_visible()
