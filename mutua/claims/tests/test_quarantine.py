"""Malware scan of claim files by ClamAV's daemon: the EICAR test file is quarantined, the member and the operator are
told, the claim cannot be settled while it stands; files missing from the storage get a clear 404."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.claims import services
from mutua.claims.models import Attachment, ClaimEvent, ClaimStatus
from mutua.claims.services import ClaimError
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.documents import scanning
from mutua.documents.models import ScanStatus
from mutua.notifications.models import Notification

pytestmark = pytest.mark.django_db

# The EICAR antivirus test string (harmless by design), in two halves so that this file is not itself the test file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-" + b"STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def eicar_pdf() -> SimpleUploadedFile:
    """A real PDF (it passes the content checks of every upload) that carries the EICAR string after its end."""
    return SimpleUploadedFile("fattura-marzo.pdf", samples.pdf_bytes() + b"\n%" + EICAR + b"\n", "application/pdf")


def attachment_of(claim) -> Attachment:
    return Attachment.objects.get(document__claim=claim)


def inline(client, attachment):
    return client.get(reverse("backoffice:attachment_inline", args=[attachment.pk]))


def download(client, attachment):
    return client.get(reverse("portal:attachment_download", args=[attachment.pk]))


class TestWithClamd:
    def test_the_eicar_test_file_itself_is_found(self, clamd):
        import io

        assert scanning.content_scan(io.BytesIO(EICAR)) == "Mutua-EICAR-Test-String.UNOFFICIAL"
        assert scanning.content_scan(io.BytesIO(samples.pdf_bytes())) is None

    def test_a_clean_file_is_marked_clean_and_opens_for_the_operator(self, clamd, client, member, operator):
        claim = sent_claim(member)
        attachment = attachment_of(claim)
        assert attachment.scan_status == ScanStatus.CLEAN and attachment.scanned_at is not None
        client.force_login(operator)
        response = inline(client, attachment)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")

    def test_an_infected_file_is_quarantined_and_everyone_is_told(
        self, clamd, client, member, operator, django_capture_on_commit_callbacks
    ):
        member.email_verified_at = member.created_at
        member.save(update_fields=["email_verified_at"])
        with django_capture_on_commit_callbacks(execute=True):
            claim = sent_claim(member, upload=eicar_pdf())
        attachment = attachment_of(claim)
        stored_as = attachment.file.name
        assert attachment.scan_status == ScanStatus.INFECTED
        assert attachment.scan_signature == "Mutua-EICAR-Test-String.UNOFFICIAL"
        assert stored_as.startswith("quarantine/")
        assert attachment.file.storage.exists(stored_as)  # kept, for whoever investigates

        # The member: in the portal, by e-mail; the file is listed as quarantined and cannot be downloaded.
        notice = Notification.objects.get(member=member, title=f"Pratica n. {claim.pk}: un file non è stato accettato")
        assert "«fattura-marzo.pdf»" in notice.body
        assert any("non è stato accettato" in m.subject for m in mail.outbox)
        client.force_login(member.user)
        page = client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()
        assert 'data-testid="file-in-quarantena"' in page
        refused = download(client, attachment)
        assert refused.status_code == 409 and "in quarantena" in refused.content.decode()

        # The operator: the claim's timeline, the review page, the audit log; the file itself never opens.
        assert ClaimEvent.objects.filter(claim=claim, actor=None, note__contains="«fattura-marzo.pdf»").exists()
        assert AuditEvent.objects.filter(action="file.quarantined", data__threat=attachment.scan_signature).exists()
        client.force_login(operator)
        review = client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
        assert 'data-testid="file-in-quarantena"' in review and "Mutua-EICAR-Test-String" in review
        assert reverse("backoffice:attachment_inline", args=[attachment.pk]) not in review
        response = inline(client, attachment)
        assert response.status_code == 409
        assert "«fattura-marzo.pdf» è in quarantena" in response.content.decode()

        # Settling is refused while the file stands.
        services.claim_take(claim=claim, actor=operator)
        with pytest.raises(ClaimError, match="in quarantena"):
            services.claim_settle(claim=claim, actor=operator)
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW


class TestWithoutClamd:
    def test_with_scanning_off_files_are_marked_not_scanned_and_open(self, client, member, operator, settings):
        settings.CLAMD_URL = ""
        attachment = attachment_of(sent_claim(member))
        assert attachment.scan_status == ScanStatus.NOT_SCANNED
        client.force_login(operator)
        assert inline(client, attachment).status_code == 200
        assert (
            'data-testid="file-non-verificato"'
            in client.get(reverse("backoffice:claim_review", args=[attachment.document.claim_id])).content.decode()
        )

    def test_when_clamd_does_not_answer_the_file_stays_pending_and_closed(
        self, client, member, operator, settings, tmp_path, caplog
    ):
        settings.CLAMD_URL = f"unix://{tmp_path / 'no-clamd.sock'}"
        settings.SCAN_MAX_ATTEMPTS = 3
        with caplog.at_level(logging.WARNING, logger="mutua.scanning"):
            claim = sent_claim(member)
        attachment = attachment_of(claim)
        assert attachment.scan_status == ScanStatus.PENDING
        retries = [r for r in caplog.records if "clamd unavailable" in r.getMessage()]
        assert len(retries) == 2 and "not scanned after 3 attempts" in caplog.records[-1].getMessage()
        client.force_login(operator)
        response = inline(client, attachment)
        assert response.status_code == 409 and "è in verifica antivirus" in response.content.decode()
        services.claim_take(claim=claim, actor=operator)
        with pytest.raises(ClaimError, match="in verifica antivirus"):
            services.claim_settle(claim=claim, actor=operator)
        # The member still gets their own file back.
        client.force_login(member.user)
        assert download(client, attachment).status_code == 200

    def test_scan_pending_files_queues_them_again_once_clamd_is_back(self, member, settings, tmp_path, clamd):
        settings.CLAMD_URL = f"unix://{tmp_path / 'no-clamd.sock'}"
        settings.SCAN_MAX_ATTEMPTS = 1
        attachment = attachment_of(sent_claim(member))
        assert attachment.scan_status == ScanStatus.PENDING
        settings.CLAMD_URL = clamd
        assert scanning.pending_files_requeue() == 1
        attachment.refresh_from_db()
        assert attachment.scan_status == ScanStatus.CLEAN


class TestMissingFile:
    def test_a_file_missing_from_the_storage_gets_a_404_that_names_it(self, client, member, operator, caplog):
        claim = sent_claim(member, upload=samples.pdf_upload("ricevuta-dentista.pdf"))
        attachment = attachment_of(claim)
        attachment.file.storage.delete(attachment.file.name)
        client.force_login(operator)
        with caplog.at_level(logging.ERROR, logger="mutua.documents"):
            response = inline(client, attachment)
        assert response.status_code == 404
        assert "Il file «ricevuta-dentista.pdf» non si trova nell&#x27;archivio" in response.content.decode()
        assert "file missing from the storage" in caplog.text
        client.force_login(member.user)
        response = download(client, attachment)
        assert response.status_code == 404 and "«ricevuta-dentista.pdf»" in response.content.decode()

    def test_a_missing_tiff_too(self, client, member, operator):
        attachment = attachment_of(sent_claim(member, upload=samples.tiff_upload("retro.tiff")))
        attachment.file.storage.delete(attachment.file.name)
        client.force_login(operator)
        response = inline(client, attachment)
        assert response.status_code == 404 and "«retro.tiff»" in response.content.decode()


def test_files_stored_while_scanning_was_off_are_scanned_on_demand(clamd, member, settings):
    from django.core.management import call_command

    settings.CLAMD_URL = ""
    attachment = attachment_of(sent_claim(member))
    assert attachment.scan_status == ScanStatus.NOT_SCANNED
    settings.CLAMD_URL = clamd
    call_command("scan_pending_files", verbosity=0)
    attachment.refresh_from_db()
    assert attachment.scan_status == ScanStatus.NOT_SCANNED  # only pending ones, without --not-scanned
    call_command("scan_pending_files", "--not-scanned", verbosity=0)
    attachment.refresh_from_db()
    assert attachment.scan_status == ScanStatus.CLEAN
