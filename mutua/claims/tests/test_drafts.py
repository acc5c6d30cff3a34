"""Drafts, documents and submission: nothing a member sends is lost or doubled."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from mutua.claims import services
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, ClaimStatus, ClaimSubmission
from mutua.claims.services import DocumentData
from mutua.claims.tests import samples
from mutua.core.testing import days_ago


def data(**overrides) -> DocumentData:
    values = {
        "doc_type": "fattura",
        "number": "12/2026",
        "issue_date": days_ago(30),
        "amount": Decimal("80.00"),
        "provider_province": "MI",
        "provider_name": "Studio medico Rossi",
        "beneficiary": None,
        "notes": "",
    }
    values.update(overrides)
    return DocumentData(**values)


@pytest.fixture
def draft(member):
    return services.draft_start(member=member, actor=member.user)


@pytest.mark.django_db
class TestDraft:
    def test_one_draft_per_member_resumed(self, member):
        first = services.draft_start(member=member, actor=member.user)
        again = services.draft_start(member=member, actor=member.user)
        assert first.pk == again.pk and first.status == ClaimStatus.DRAFT

    def test_document_and_files_saved_together(self, member, draft):
        doc = services.document_add(
            claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload(), samples.jpeg_upload()]
        )
        names = sorted(a.original_name for a in doc.attachments.all())
        assert names == ["fattura.pdf", "scontrino.jpg"]
        stored = doc.attachments.first().file.name
        assert "fattura" not in stored and "scontrino" not in stored  # random storage names

    def test_one_bad_file_saves_nothing(self, member, draft):
        with pytest.raises(services.FilesRejected) as exc:
            services.document_add(
                claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload(), samples.fake_pdf_upload()]
            )
        assert "virus.pdf" in exc.value.problems[0]
        assert ClaimDocument.objects.count() == 0 and Attachment.objects.count() == 0

    def test_document_needs_a_file(self, member, draft):
        with pytest.raises(services.ClaimError):
            services.document_add(claim=draft, actor=member.user, data=data(), files=[])

    def test_last_file_cannot_be_removed(self, member, draft):
        doc = services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        with pytest.raises(services.ClaimError, match="almeno un file"):
            services.attachment_remove(attachment=doc.attachments.get(), actor=member.user)
        services.attachment_add(document=doc, actor=member.user, files=[samples.tiff_upload()])
        services.attachment_remove(attachment=doc.attachments.get(original_name="fattura.pdf"), actor=member.user)
        assert [a.original_name for a in doc.attachments.all()] == ["scansione.tiff"]

    def test_delete_document_removes_files(self, member, draft):
        doc = services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        storage_file = doc.attachments.get().file
        path = storage_file.path
        services.document_delete(document=doc, actor=member.user)
        assert not ClaimDocument.objects.exists()
        import os

        assert not os.path.exists(path)

    def test_submitted_claim_cannot_be_edited(self, member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        services.claim_submit(member=member, token=draft.token, actor=member.user)
        with pytest.raises(services.ClaimError):
            services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])

    def test_abandoned_drafts_are_purged(self, member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        Claim.objects.filter(pk=draft.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        assert services.drafts_purge(older_than=dt.timedelta(days=90)) == 1
        assert not Claim.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
class TestSubmit:
    def test_submit_creates_a_transmitted_claim_with_event(self, member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        result = services.claim_submit(member=member, token=draft.token, actor=member.user)
        assert result.claim.pk == draft.pk and not result.merged
        claim = Claim.objects.get(pk=draft.pk)
        assert claim.status == ClaimStatus.SUBMITTED and claim.submitted_at
        assert ClaimEvent.objects.filter(claim=claim, to_status=ClaimStatus.SUBMITTED).count() == 1

    def test_submitting_twice_creates_one_claim(self, member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        first = services.claim_submit(member=member, token=draft.token, actor=member.user)
        second = services.claim_submit(member=member, token=draft.token, actor=member.user)
        assert second.repeated and second.claim.pk == first.claim.pk
        assert Claim.objects.exclude(status=ClaimStatus.DRAFT).count() == 1
        assert ClaimEvent.objects.filter(to_status=ClaimStatus.SUBMITTED).count() == 1

    def test_empty_draft_is_not_sent(self, member, draft):
        with pytest.raises(services.ClaimError, match="almeno un documento"):
            services.claim_submit(member=member, token=draft.token, actor=member.user)

    def test_submit_merges_into_open_claim(self, member):
        first = services.draft_start(member=member, actor=member.user)
        services.document_add(claim=first, actor=member.user, data=data(), files=[samples.pdf_upload()])
        services.claim_submit(member=member, token=first.token, actor=member.user)
        second = services.draft_start(member=member, actor=member.user)
        assert second.pk != first.pk
        services.document_add(
            claim=second, actor=member.user, data=data(number="13/2026"), files=[samples.pdf_upload()]
        )
        services.document_add(
            claim=second, actor=member.user, data=data(number="14/2026"), files=[samples.jpeg_upload()]
        )
        result = services.claim_submit(member=member, token=second.token, actor=member.user)
        assert result.merged and result.claim.pk == first.pk and result.document_count == 2
        assert not Claim.objects.filter(pk=second.pk).exists()
        assert ClaimDocument.objects.filter(claim=first).count() == 3
        assert ClaimSubmission.objects.get(token=second.token).claim_id == first.pk
        again = services.claim_submit(member=member, token=second.token, actor=member.user)
        assert again.repeated and again.claim.pk == first.pk

    def test_other_members_token_is_refused(self, member, other_member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        with pytest.raises(services.ClaimError):
            services.claim_submit(member=other_member, token=draft.token, actor=other_member.user)
        assert Claim.objects.get(pk=draft.pk).status == ClaimStatus.DRAFT


@pytest.mark.django_db
class TestCancel:
    def test_member_cancels_only_transmitted(self, member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        claim = services.claim_submit(member=member, token=draft.token, actor=member.user).claim
        services.claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=None)
        with pytest.raises(services.ClaimError):
            services.claim_cancel(claim=Claim.objects.get(pk=claim.pk), actor=member.user)

    def test_cancel_transmitted(self, member, draft):
        services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
        claim = services.claim_submit(member=member, token=draft.token, actor=member.user).claim
        assert services.claim_cancel(claim=claim, actor=member.user).status == ClaimStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL")
def test_concurrent_submissions_produce_one_open_claim(member):
    """The same draft sent from two tabs at the same moment: one claim, one submission, one event."""
    from django.db import connections

    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
            results.append(services.claim_submit(member=member, token=draft.token, actor=member.user))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.repeated for r in results) == [False, True]
    assert Claim.objects.filter(member=member).exclude(status=ClaimStatus.DRAFT).count() == 1
    assert ClaimSubmission.objects.count() == 1
    assert ClaimEvent.objects.filter(to_status=ClaimStatus.SUBMITTED).count() == 1


@pytest.mark.django_db
def test_purge_command_keeps_recent_drafts(member, draft, clock, settings):
    from django.core.management import call_command

    services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
    clock.shift(dt.timedelta(days=settings.DRAFT_RETENTION_DAYS - 1))
    call_command("purge_drafts")
    assert Claim.objects.filter(pk=draft.pk).exists()
    clock.shift(dt.timedelta(days=2))
    call_command("purge_drafts")
    assert not Claim.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_member_is_told_which_claim_the_documents_joined(member):
    from mutua.notifications.models import Notification

    first = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=first, actor=member.user, data=data(), files=[samples.pdf_upload()])
    services.claim_submit(member=member, token=first.token, actor=member.user)
    second = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=second, actor=member.user, data=data(number="2"), files=[samples.pdf_upload()])
    services.claim_submit(member=member, token=second.token, actor=member.user)
    merged = Notification.objects.get(member=member, kind="claim_documents_merged")
    assert str(first.pk) in merged.title and merged.url.endswith(f"/{first.pk}/")


@pytest.mark.django_db
def test_replayed_past_moves_send_nothing(member):
    from mutua.notifications.models import Notification, OutboundMessage

    claim = Claim.objects.create(member=member)
    services.claim_transition(
        claim=claim, to_status=ClaimStatus.SUBMITTED, actor=None, at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    )
    assert not Notification.objects.exists() and not OutboundMessage.objects.exists()
