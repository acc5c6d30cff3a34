""" "Scarica i miei dati": the ZIP holds the member's data and files and nobody else's, is built by the worker,
announced, downloadable by its member only for 7 days, and every step is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.first_access import consent_record
from mutua.audit.models import AuditEvent
from mutua.bookings.tests.factories import sent_booking
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import PrivacyNotice
from mutua.notifications.models import Notification
from mutua.payouts import services as payouts
from mutua.payouts.sepa import next_target_day
from mutua.payouts.tests.test_payouts import settled
from mutua.plans.tests.factories import ContributionFactory
from mutua.privacy.models import DataExport, ExportStatus
from mutua.privacy.services import data_exports_purge

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(member, other_member, operator, supervisor, today):
    """Both members with a paid claim (file), a booking, a contribution and a consent; the member has a child."""
    for m, invoice, prescription in [
        (member, "fattura-mario.pdf", "impegnativa-mario.pdf"),
        (other_member, "fattura-giulia.pdf", "impegnativa-giulia.pdf"),
    ]:
        claim = settled(m, operator, doc_type="fattura")
        # settled() files a sample PDF: this claim's own file carries the member's name.
        sent_claim(m, upload=samples.pdf_upload(invoice, text=f"Fattura di {m.first_name}"))
        batch = payouts.batch_create(claims=[claim], execution_date=next_target_day(today), actor=supervisor)
        payouts.batch_confirm(batch=batch, actor=supervisor)
        sent_booking(m, files=[samples.pdf_upload(prescription)])
        ContributionFactory(enrollment=m.enrollments.get(), year=2025)
        consent_record(member=m, notice=PrivacyNotice.objects.latest(), given=True, request=None)
    return member


def export_zip(client, member) -> zipfile.ZipFile:
    client.force_login(member.user)
    assert client.post(reverse("portal:data_export")).status_code == 302
    export = DataExport.objects.get(member=member)
    assert export.status == ExportStatus.READY  # the test settings run tasks at once, as a worker would
    response = client.get(reverse("portal:data_export_download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip" and response["Cache-Control"] == "private, no-store"
    assert (
        response["Content-Disposition"].startswith("attachment")
        and f"dati-{member.code}-" in response["Content-Disposition"]
    )
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def table(archive: zipfile.ZipFile, name: str) -> list[dict]:
    rows = json.loads(archive.read(f"dati/{name}.json"))
    as_csv = list(csv.DictReader(io.StringIO(archive.read(f"dati/{name}.csv").decode())))
    assert len(as_csv) == len(rows)
    return rows


def test_the_zip_holds_the_members_data_and_files_and_none_of_another_members(client, history, other_member):
    member = history
    archive = export_zip(client, member)
    names = archive.namelist()
    assert "LEGGIMI.txt" in names
    everything = "\n".join(names) + b"".join(archive.read(n) for n in names).decode("utf-8", "replace")

    [me] = table(archive, "dati_personali")
    assert me["fiscal_code"] == member.fiscal_code and me["iban"] == member.iban
    assert [b["first_name"] for b in table(archive, "familiari")] == ["Sofia"]
    assert table(archive, "adesioni") and table(archive, "contributi")[0]["year"] == 2025
    claims = table(archive, "pratiche")
    assert {c["status"] for c in claims} == {"paid", "submitted"}
    assert table(archive, "liquidazioni")[0]["amount_paid"]
    [payment] = table(archive, "pagamenti")
    assert payment["iban"] == member.iban and payment["batch__status"] == "confirmed"
    assert table(archive, "prenotazioni")[0]["description"] == "Visita cardiologica"
    assert table(archive, "consensi")[0]["notice__version"] == "2026.1"
    assert any("trasmessa" in n["title"] for n in table(archive, "notifiche"))
    assert any(e["action"] == "data_export.requested" for e in table(archive, "registro_accessi"))
    files = [n for n in names if n.startswith("documenti/")]
    assert any(n.endswith("fattura-mario.pdf") for n in files)
    assert any(n.endswith("impegnativa-mario.pdf") for n in files)
    own = next(n for n in files if n.endswith("fattura-mario.pdf"))
    assert archive.read(own).startswith(b"%PDF-")

    # Nothing of the other member: name, codice fiscale, IBAN, files.
    for secret in [other_member.fiscal_code, other_member.iban, other_member.last_name, "giulia", other_member.code]:
        assert secret.lower() not in everything.lower(), secret


def test_the_member_is_told_in_the_portal_and_by_email_and_each_step_is_audited(client, member):
    archive = export_zip(client, member)
    assert archive.namelist()
    export = DataExport.objects.get(member=member)
    notification = Notification.objects.get(member=member, title="La copia dei tuoi dati è pronta")
    assert notification.url == reverse("portal:data_export")
    [email] = [m for m in mail.outbox if "copia dei tuoi dati" in m.subject]
    expires = timezone.localtime() + dt.timedelta(days=7)
    assert email.to == [member.email] and expires.strftime("%d/%m/%Y %H:%M") in email.body
    events = AuditEvent.objects.filter(member=member, action__startswith="data_export").order_by("pk")
    assert list(events.values_list("action", flat=True)) == [
        "data_export.requested",
        "data_export.ready",
        "data_export.downloaded",
    ]
    assert events.first().actor == member.user and events.first().data == {"export": export.pk}
    export.refresh_from_db()
    assert export.downloaded_at is not None


def test_another_member_and_a_visitor_cannot_download_it(client, member, other_member):
    client.force_login(member.user)
    client.post(reverse("portal:data_export"))
    url = reverse("portal:data_export_download", args=[DataExport.objects.get().pk])
    client.force_login(other_member.user)
    assert client.get(url).status_code == 404
    assert member.code not in client.get(reverse("portal:data_export")).content.decode()
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_expires_after_seven_days_and_its_file_is_deleted(client, member, clock):
    client.force_login(member.user)
    client.post(reverse("portal:data_export"))
    export = DataExport.objects.get()
    url = reverse("portal:data_export_download", args=[export.pk])
    storage, name = export.file.storage, export.file.name
    clock.shift(dt.timedelta(days=6, hours=23, minutes=59))
    client.force_login(member.user)
    assert client.get(url).status_code == 200
    assert data_exports_purge() == 0
    clock.shift(dt.timedelta(minutes=1))
    client.force_login(member.user)
    expired = client.get(url)
    assert expired.status_code == 410 and "Copia scaduta" in expired.content.decode()
    assert data_exports_purge() == 1
    assert not storage.exists(name)
    assert DataExport.objects.get().status == ExportStatus.EXPIRED
    assert AuditEvent.objects.filter(member=member, action="data_export.expired").exists()
    assert "Scaduto" in client.get(reverse("portal:data_export")).content.decode()


def test_a_second_request_while_one_is_being_prepared_is_refused(client, member, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client.force_login(member.user)
    client.post(reverse("portal:data_export"))
    page = client.post(reverse("portal:data_export"), follow=True).content.decode()
    assert "Stiamo già preparando una copia dei tuoi dati" in page
    assert DataExport.objects.filter(member=member).count() == 1
    assert DataExport.objects.get().status == ExportStatus.PENDING


def test_the_page_lists_the_members_copies_with_a_bounded_number_of_queries(
    client, member, django_assert_max_num_queries
):
    client.force_login(member.user)
    for _ in range(3):
        client.post(reverse("portal:data_export"))
    client.get(reverse("portal:data_export"))
    with django_assert_max_num_queries(4):
        page = client.get(reverse("portal:data_export")).content.decode()
    assert page.count('data-testid="export-download"') == 3
