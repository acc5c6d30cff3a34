"""The back office, page by page and role by role: worklist, review, files, and the confirm-then-act moves."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from mutua.accounts.models import Role, User
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.backoffice.permissions import PERMISSIONS, Action
from mutua.claims import services
from mutua.claims.models import Attachment, Claim, ClaimStatus, ClaimSuspension
from mutua.claims.tests import samples
from mutua.claims.tests.factories import SettlementFactory
from mutua.claims.tests.test_backoffice_services import data, sent_claim
from mutua.members.models import Member, RegionalOffice
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lombardia(regional_operator: User) -> RegionalOffice:
    return regional_operator.regional_office  # type: ignore[return-value]


@pytest.fixture
def lazio(db) -> RegionalOffice:
    return RegionalOffice.objects.create(
        code="LAZ", name="Sede regionale Lazio", region="Lazio", address="Via Po 1, Roma", phone="06 1", email="l@m.it"
    )


@pytest.fixture
def admin_user(db) -> User:
    user = UserFactory(username="amministratore1", role=Role.ADMIN)
    totp_enable(user)
    return user


@pytest.fixture
def claim(member: Member, lombardia: RegionalOffice) -> Claim:
    member.regional_office = lombardia
    member.save(update_fields=["regional_office"])
    return sent_claim(member)


@pytest.fixture
def roman_claim(other_member: Member, lazio: RegionalOffice) -> Claim:
    other_member.regional_office = lazio
    other_member.save(update_fields=["regional_office"])
    return sent_claim(other_member, upload=samples.jpeg_upload())


def review_url(claim: Claim) -> str:
    return reverse("backoffice:claim_review", args=[claim.pk])


def claim_pages(claim: Claim) -> list[str]:
    attachment = Attachment.objects.filter(document__claim=claim).first()
    assert attachment is not None
    return [
        reverse("backoffice:worklist"),
        review_url(claim),
        reverse("backoffice:claim_take", args=[claim.pk]),
        reverse("backoffice:claim_suspend", args=[claim.pk]),
        reverse("backoffice:claim_block", args=[claim.pk]),
        reverse("backoffice:claim_resume", args=[claim.pk]),
        reverse("backoffice:claim_reject", args=[claim.pk]),
        reverse("backoffice:claim_cancel", args=[claim.pk]),
        reverse("backoffice:attachment_inline", args=[attachment.pk]),
    ]


# --- Permission matrix -------------------------------------------------------------------------------------


def test_the_matrix_names_every_staff_role_and_regional_operators_do_not_close_claims():
    assert set(PERMISSIONS) == {Role.OPERATOR, Role.REGIONAL_OPERATOR, Role.SUPERVISOR, Role.ADMIN}
    assert Role.MEMBER not in PERMISSIONS
    assert PERMISSIONS[Role.REGIONAL_OPERATOR] == {
        Action.VIEW,
        Action.TAKE,
        Action.SUSPEND,
        Action.BOOK,
        Action.ACTIVATE,
    }
    # operators settle, they do not pay; nor do they search who read what, nor sign off the tax communication
    assert PERMISSIONS[Role.OPERATOR] == set(Action) - {Action.PAY, Action.AUDIT, Action.REGISTRY, Action.TAX}
    for role in (Role.SUPERVISOR, Role.ADMIN):
        assert PERMISSIONS[role] == set(Action)


def test_anonymous_visitors_are_sent_to_login_from_every_backoffice_page(client, claim):
    for url in claim_pages(claim):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/backoffice/accesso/?next={url}", url
        assert client.post(url).status_code == 302


def test_members_get_nothing_from_the_backoffice_not_even_for_their_own_claim(client, member, claim):
    client.force_login(member.user)
    for url in claim_pages(claim):
        response = client.get(url)
        assert response.status_code == 404, url
        assert member.fiscal_code not in response.content.decode()
        assert client.post(url, {"reason": "x"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action__startswith="backoffice.").exists()


def test_staff_without_a_second_factor_is_sent_to_set_it_up(client, claim):
    client.force_login(UserFactory(username="operatore.nuovo", role=Role.OPERATOR))
    response = client.get(reverse("backoffice:worklist"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


@pytest.mark.parametrize("persona", ["operator", "supervisor", "admin_user", "regional_operator"])
def test_every_staff_role_reads_the_worklist_and_the_review_page(client, request, persona, claim):
    client.force_login(request.getfixturevalue(persona))
    assert claim.member.full_name in client.get(reverse("backoffice:worklist")).content.decode()
    assert client.get(review_url(claim)).status_code == 200


def test_regional_operator_sees_only_their_offices_members(client, regional_operator, claim, roman_claim):
    client.force_login(regional_operator)
    page = client.get(reverse("backoffice:worklist")).content.decode()
    assert claim.member.full_name in page and roman_claim.member.full_name not in page
    pages = claim_pages(roman_claim)
    for url in pages[1:]:
        assert client.get(url).status_code == 404, url
    for url in pages[2:-1]:  # the moves
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    roman_claim.refresh_from_db()
    assert roman_claim.status == ClaimStatus.SUBMITTED
    # Even the office filter cannot reach another office.
    page = client.get(reverse("backoffice:worklist"), {"sede": roman_claim.member.regional_office_id}).content
    assert roman_claim.member.full_name not in page.decode()


def test_regional_operator_without_an_office_sees_no_claim(client, claim):
    user = UserFactory(username="regionale.senza.sede", role=Role.REGIONAL_OPERATOR)
    totp_enable(user)
    client.force_login(user)
    assert claim.member.full_name not in client.get(reverse("backoffice:worklist")).content.decode()
    assert client.get(review_url(claim)).status_code == 404


def test_regional_operator_may_take_and_suspend_but_not_reject_or_cancel(client, regional_operator, claim):
    client.force_login(regional_operator)
    assert client.post(reverse("backoffice:claim_take", args=[claim.pk])).status_code == 302
    for name in ("claim_reject", "claim_cancel"):
        assert client.get(reverse(f"backoffice:{name}", args=[claim.pk])).status_code == 404
        assert client.post(reverse(f"backoffice:{name}", args=[claim.pk]), {"reason": "No"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == regional_operator
    page = client.get(review_url(claim)).content.decode()
    assert "Sospendi: documenti da integrare" in page and "Respingi" not in page


# --- Worklist ----------------------------------------------------------------------------------------------


def test_worklist_lists_open_claims_oldest_first_with_counts_per_status(client, operator, member, other_member):
    old = sent_claim(member)
    Claim.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=40))
    new = sent_claim(other_member)
    done = sent_claim(MemberFactory(last_name="Chiusi"))
    services.claim_cancel_by_operator(claim=done, actor=operator, reason="Duplicata.")
    client.force_login(operator)
    response = client.get(reverse("backoffice:worklist"))
    rows = [c.pk for c in response.context["page"].object_list]
    assert rows == [old.pk, new.pk]
    page = response.content.decode()
    assert 'Trasmessa <span class="badge bg-light text-dark">2</span>' in page
    assert 'Annullata <span class="badge bg-light text-dark">1</span>' in page
    assert 'Da lavorare <span class="badge bg-light text-dark">2</span>' in page
    assert "Prendi in carico" in page


def test_worklist_filters_by_status_office_kind_and_age(client, operator, claim, roman_claim, lazio):
    Claim.objects.filter(pk=roman_claim.pk).update(submitted_at=timezone.now() - dt.timedelta(days=45))
    services.claim_take(claim=claim, actor=operator)
    client.force_login(operator)

    def rows(**params: object) -> list[int]:
        return [c.pk for c in client.get(reverse("backoffice:worklist"), params).context["page"].object_list]

    assert rows(stato="in_review") == [claim.pk]
    assert rows(stato="submitted") == [roman_claim.pk]
    assert rows(sede=lazio.pk) == [roman_claim.pk]
    assert rows(eta="30") == [roman_claim.pk]
    assert rows(tipo="study_subsidy") == []
    assert rows(tipo="reimbursement_standard") == [roman_claim.pk, claim.pk]
    # Wrong or hostile values are no filter, never an error page.
    assert rows(stato="draft", sede="x", tipo="<script>", eta="-1", pagina="999") == [roman_claim.pk, claim.pk]
    counts = client.get(reverse("backoffice:worklist"), {"sede": lazio.pk}).context["statuses"]
    assert ("in_review", "In lavorazione", 0) in counts and ("submitted", "Trasmessa", 1) in counts


def test_worklist_runs_a_constant_number_of_queries(client, operator):
    def claims(n: int) -> None:
        for _ in range(n):
            m = MemberFactory()
            c = sent_claim(m)
            services.claim_take(claim=c, actor=operator)

    client.force_login(operator)
    client.get("/")  # the first request of a session records it (usersessions)
    claims(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("backoffice:worklist")).status_code == 200
    claims(6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("backoffice:worklist"))
    assert len(response.context["page"].object_list) == 8
    assert len(many) == len(few)


def test_worklist_is_paginated(client, operator, member):
    from mutua.backoffice.views import PAGE_SIZE

    for _ in range(PAGE_SIZE + 1):
        sent_claim(MemberFactory())
    client.force_login(operator)
    first = client.get(reverse("backoffice:worklist"), {"stato": "submitted"})
    assert len(first.context["page"].object_list) == PAGE_SIZE
    assert "stato=submitted&amp;pagina=2" in first.content.decode()
    second = client.get(reverse("backoffice:worklist"), {"stato": "submitted", "pagina": 2})
    assert len(second.context["page"].object_list) == 1


# --- Review page -------------------------------------------------------------------------------------------


def test_review_shows_member_family_documents_and_writes_the_access_log(client, operator, member, claim):
    client.force_login(operator)
    page = client.get(review_url(claim)).content.decode()
    assert member.full_name in page and member.fiscal_code in page and member.code in page
    beneficiary = member.beneficiaries.first()
    assert f"{beneficiary.first_name} {beneficiary.last_name}" in page
    attachment = Attachment.objects.get(document__claim=claim)
    assert f'<iframe src="{reverse("backoffice:attachment_inline", args=[attachment.pk])}"' in page
    assert "Fattura 12/2026" in page and "€ 80,00" in page
    event = AuditEvent.objects.get(action="backoffice.claim_view")
    assert event.actor == operator and event.member == member and event.data == {"claim": claim.pk}


def test_review_shows_the_members_standing(client, operator, member, claim):
    today = timezone.localdate()
    enrollment = EnrollmentFactory(member=member, start_date=today - dt.timedelta(days=30), plan__waiting_days=120)
    ContributionFactory(enrollment=enrollment, year=today.year, amount_paid=Decimal("100.00"))
    client.force_login(operator)
    page = client.get(review_url(claim)).content.decode()
    assert "Non in regola" in page
    assert f"{today.year} (€ 100,00 su € 240,00)" in page
    waiting_end = enrollment.start_date + dt.timedelta(days=120)
    assert f"Periodo di carenza in corso fino al {waiting_end:%d/%m/%Y}." in page


def test_review_shows_a_regular_member_as_such(client, operator, member, claim):
    enrollment = EnrollmentFactory(member=member, start_date=dt.date(2016, 1, 1))
    ContributionFactory(enrollment=enrollment, year=timezone.localdate().year)
    client.force_login(operator)
    page = client.get(review_url(claim)).content.decode()
    assert "In regola" in page and "Contributi regolari." in page and "Periodo di carenza concluso." in page


def test_review_warns_of_likely_duplicates_and_lists_this_years_settlements(client, operator, member, claim):
    services.claim_take(claim=claim, actor=operator)
    services.claim_block(claim=claim, actor=operator, reason="Verifica in corso.")
    services.claim_cancel_by_operator(claim=claim, actor=operator, reason="Prova.")
    # Same number, date, amount and provider, in another scan.
    second = sent_claim(member, upload=samples.pdf_upload(text="Un'altra scansione"))
    settled = SettlementFactory(
        document__claim__member=member, amount_paid=Decimal("55.50"), competence_year=timezone.localdate().year
    )
    client.force_login(operator)
    page = client.get(review_url(second)).content.decode()
    assert "Possibili duplicati" in page
    assert f"stesso numero, data, importo e fornitore del documento Fattura 12/2026 della pratica n. {claim.pk}" in page
    assert f"Pratica n. {settled.document.claim_id}" in page and "€ 55,50" in page


def test_review_warns_of_the_same_file_in_another_members_claim_the_member_is_not_told(client, operator, member):
    other = sent_claim(MemberFactory(), upload=samples.jpeg_upload())
    claim = sent_claim(member, number="99", upload=samples.jpeg_upload("copia.jpg"))  # the same bytes
    client.force_login(operator)
    page = client.get(review_url(claim)).content.decode()
    assert f"lo stesso file è già nel documento Fattura 12/2026 della pratica n. {other.pk}" in page
    assert "È la pratica di un altro socio." in page
    # The member's own draft with that file: the portal says nothing about another member's claim.
    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.jpeg_upload("di nuovo.jpg")])
    client.force_login(member.user)
    page = client.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
    assert "Documenti forse già inviati" in page  # its own claim, sent before with the same file
    assert f"pratica n. {claim.pk}" in page and f"pratica n. {other.pk}" not in page


def test_review_page_runs_a_constant_number_of_queries(client, operator, member, claim):
    client.force_login(operator)
    client.get("/")  # the first request of a session records it (usersessions)
    with CaptureQueriesContext(connection) as few:
        client.get(review_url(claim))
    services.claim_take(claim=claim, actor=operator)
    for n in range(3):  # more documents, files, events and suspensions
        services.claim_suspend_for_documents(
            claim=claim, actor=operator, items=["Fattura"], deadline=timezone.localdate() + dt.timedelta(days=9)
        )
        services.claim_add_documents(
            claim=claim, actor=member.user, data=data(number=f"x{n}"), files=[samples.pdf_upload()]
        )
    SettlementFactory(document__claim__member=member)
    with CaptureQueriesContext(connection) as many:
        client.get(review_url(claim))
    assert len(many) == len(few)


# --- Files shown inline ------------------------------------------------------------------------------------


def test_pdf_is_shown_inline_to_operators_only_and_each_view_is_logged(client, operator, claim):
    attachment = Attachment.objects.get(document__claim=claim)
    client.force_login(operator)
    response = client.get(reverse("backoffice:attachment_inline", args=[attachment.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="backoffice.attachment_view", data__attachment=attachment.pk).count() == 1


def test_every_page_of_a_tiff_is_shown_as_a_pdf(client, operator, member, lombardia):
    member.regional_office = lombardia
    member.save(update_fields=["regional_office"])
    pages = [Image.new("L", (300, 420), shade) for shade in (40, 120, 220)]  # three scanned pages, 100 dpi
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:], dpi=(100, 100))
    upload = SimpleUploadedFile("fattura-fronte-retro.tiff", buffer.getvalue(), content_type="image/tiff")
    claim = sent_claim(member, upload=upload)
    attachment = Attachment.objects.get(document__claim=claim)
    client.force_login(operator)
    response = client.get(reverse("backoffice:attachment_inline", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"] == "inline"
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 3
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pdf.pages}
    assert sizes == {(216, 302)}  # 3 x 4.2 inches at 72 points each: the scan's own resolution
    page = client.get(review_url(claim)).content.decode()
    assert f'<iframe src="{reverse("backoffice:attachment_inline", args=[attachment.pk])}"' in page


def test_files_of_drafts_are_never_shown(client, operator, member):
    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
    attachment = Attachment.objects.get(document__claim=draft)
    client.force_login(operator)
    assert client.get(reverse("backoffice:attachment_inline", args=[attachment.pk])).status_code == 404
    assert client.get(review_url(draft)).status_code == 404


# --- Confirm, then act -------------------------------------------------------------------------------------


def test_take_asks_first_then_assigns_the_claim(client, operator, claim):
    url = reverse("backoffice:claim_take", args=[claim.pk])
    client.force_login(operator)
    page = client.get(url).content.decode()
    assert "La pratica passerà allo stato «In lavorazione» e sarà assegnata a te." in page
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == review_url(claim)
    assert f"Hai preso in carico la pratica n. {claim.pk}." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator


def test_resuming_a_suspended_claim_nobody_had_taken_puts_the_operator_in_charge(client, operator, supervisor, claim):
    services.claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=None)
    services.claim_block(claim=claim, actor=supervisor, reason="Verifica contributi.")
    client.force_login(operator)
    before = client.get(review_url(claim)).content.decode()
    assert 'in carico a <span data-testid="assegnatario">nessuno</span>' in before

    response = client.post(reverse("backoffice:claim_resume", args=[claim.pk]), {"note": ""}, follow=True)

    page = response.content.decode()
    assert f"La pratica n. {claim.pk} è di nuovo in lavorazione." in page
    assert f'in carico a <span data-testid="assegnatario">{operator.username}</span>' in page
    assert "Presa in carico." in page
    assert "Liquida" in page and "Prendi in carico" not in page


def test_a_claim_in_review_with_nobody_in_charge_offers_prendi_in_carico(client, operator, claim):
    services.claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=None)  # e.g. older data
    client.force_login(operator)
    take_url = reverse("backoffice:claim_take", args=[claim.pk])
    assert f'href="{take_url}"' in client.get(reverse("backoffice:worklist")).content.decode()
    assert f'href="{take_url}"' in client.get(review_url(claim)).content.decode()
    assert "non è in carico a nessuno" in client.get(take_url).content.decode()

    response = client.post(take_url, follow=True)

    page = response.content.decode()
    assert f"Hai preso in carico la pratica n. {claim.pk}." in page
    assert f'in carico a <span data-testid="assegnatario">{operator.username}</span>' in page
    assert f'href="{take_url}"' not in page
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator


def test_taking_a_claim_someone_else_took_is_reported_not_an_error_page(client, operator, supervisor, claim):
    services.claim_take(claim=claim, actor=supervisor)
    client.force_login(operator)
    response = client.post(reverse("backoffice:claim_take", args=[claim.pk]), follow=True)
    assert "non può passare allo stato in lavorazione" in response.content.decode()
    claim.refresh_from_db()
    assert claim.assigned_to == supervisor


def test_suspend_form_errors_are_italian_next_to_the_field_and_nothing_is_saved(client, operator, claim):
    services.claim_take(claim=claim, actor=operator)
    url = reverse("backoffice:claim_suspend", args=[claim.pk])
    client.force_login(operator)
    cases = [
        ({"deadline": ""}, "id_deadline-error", "Indica il termine."),
        ({"doc_types": ["fattura"], "deadline": "31/02/2026"}, "id_deadline-error", "Scrivi una data valida"),
        ({"doc_types": ["fattura"], "deadline": "2020-01-01"}, "id_deadline-error", "Il termine deve essere una data"),
        ({"doc_types": ["<script>"], "deadline": "2099-01-01"}, "id_doc_types-error", "Scegli un"),
        ({"other": "x" * 201, "deadline": "2099-01-01"}, "id_other-error", "al massimo 200 caratteri"),
        ({"deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}, "id_doc_types-error", "almeno un"),
    ]
    for post, error_id, message in cases:
        response = client.post(url, post)
        assert response.status_code == 400, post
        page = response.content.decode()
        assert f'id="{error_id}"' in page and message in page, (post, page[page.find("invalid-feedback") :][:300])
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and not ClaimSuspension.objects.exists()


def test_suspend_for_documents_from_the_form(client, operator, member, claim):
    services.claim_take(claim=claim, actor=operator)
    url = reverse("backoffice:claim_suspend", args=[claim.pk])
    client.force_login(operator)
    assert "Sospendi la pratica" in client.get(url).content.decode()
    deadline = timezone.localdate() + dt.timedelta(days=15)
    response = client.post(
        url,
        {"doc_types": ["ricevuta"], "other": "Prescrizione del medico\n\n  Copia leggibile  ", "deadline": deadline},
    )
    assert response.status_code == 302
    suspension = ClaimSuspension.objects.get(claim=claim)
    assert suspension.items == ["Ricevuta", "Prescrizione del medico", "Copia leggibile"]
    assert suspension.deadline == deadline
    review = client.get(review_url(claim)).content.decode()
    assert f"Documenti da integrare entro il {deadline:%d/%m/%Y}" in review and "Prescrizione del medico" in review


@pytest.mark.parametrize(
    ("name", "status", "note"),
    [
        ("claim_reject", ClaimStatus.REJECTED, "Spesa non coperta."),
        ("claim_cancel", ClaimStatus.CANCELLED, "Duplicata della pratica precedente."),
        ("claim_block", ClaimStatus.SUSPENDED, "Regolarizza il contributo."),
    ],
)
def test_moves_with_a_reason(client, operator, claim, name, status, note):
    services.claim_take(claim=claim, actor=operator)
    url = reverse(f"backoffice:{name}", args=[claim.pk])
    client.force_login(operator)
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert 'id="id_reason-error"' in response.content.decode()
    assert "Scrivi il motivo: il socio lo leggerà." in response.content.decode()
    assert client.post(url, {"reason": note}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == status and claim.events.last().note == note and claim.events.last().actor == operator


def test_resume_lifts_a_block(client, operator, claim):
    services.claim_take(claim=claim, actor=operator)
    services.claim_block(claim=claim, actor=operator, reason="Verifica.")
    client.force_login(operator)
    assert client.post(reverse("backoffice:claim_resume", args=[claim.pk]), {"note": ""}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.block_reason == ""


def test_a_move_the_status_does_not_allow_is_a_message(client, operator, claim):
    client.force_login(operator)
    response = client.post(reverse("backoffice:claim_reject", args=[claim.pk]), {"reason": "No."}, follow=True)
    assert "non può passare allo stato respinta" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_staff_home_links_to_the_backoffice(client, operator):
    client.force_login(operator)
    assert reverse("backoffice:worklist") in client.get("/").content.decode()


# --- The header names the back office --------------------------------------------------------------------


def header(response) -> tuple[str, str]:
    """The page's <title> and the brand's tagline under the mutual's name."""
    page = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    tagline = re.search(r'<div class="it-brand-tagline[^"]*">(.*?)</div>', page, re.S)
    assert title and tagline, page[:2000]
    return " ".join(title.group(1).split()), tagline.group(1).strip()


def test_the_backoffice_names_itself_in_the_header_and_the_title(client, operator, claim):
    client.force_login(operator)
    for url in (reverse("backoffice:worklist"), review_url(claim), reverse("backoffice:claim_take", args=[claim.pk])):
        title, tagline = header(client.get(url))
        assert tagline == "Back office", url
        assert "Back office" in title and "Area soci" not in title, (url, title)
        assert title.count("Back office") == 1, title
    # The operator's own pages outside /backoffice/ (profile, password) are the back office's too.
    assert header(client.get(reverse("profile:home")))[1] == "Back office"


def test_the_operators_sign_in_page_is_the_backoffice_s(client):
    title, tagline = header(client.get(reverse("backoffice:login")))
    assert tagline == "Back office" and "Accesso operatori" in title and "Back office" in title


def test_the_member_portal_keeps_area_soci(client, member):
    title, tagline = header(client.get(reverse("account_login")))
    assert tagline == "Area soci" and "Area soci" in title
    client.force_login(member.user)
    for url in (reverse("portal:home"), reverse("portal:claim_list"), reverse("profile:home")):
        title, tagline = header(client.get(url))
        assert tagline == "Area soci" and "Area soci" in title and "Back office" not in title, (url, title)


# --- Accesso operatori -------------------------------------------------------------------------------------


def test_operators_sign_in_with_their_username_then_the_second_factor(client, operator):
    operator.set_password("Operatore2026ok")
    operator.save()
    response = client.post(reverse("backoffice:login"), {"login": "operatore1", "password": "Operatore2026ok"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in until the code is given


def test_members_cannot_sign_in_on_the_operators_page_and_learn_nothing(client, member, operator):
    wrong = client.post(reverse("backoffice:login"), {"login": "operatore1", "password": "Sbagliata123"})
    as_member = client.post(reverse("backoffice:login"), {"login": member.code, "password": "Segreta123"})
    assert wrong.status_code == as_member.status_code == 200
    assert "_auth_user_id" not in client.session
    errors = [r.context["form"].non_field_errors() for r in (wrong, as_member)]
    assert errors[0] == errors[1] and errors[0]
