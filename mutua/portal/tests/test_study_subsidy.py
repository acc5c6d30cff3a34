"""Sussidi allo studio: ordinary members only, grades checked against the scale of the school type."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mutua.claims.models import Claim, ClaimDocument, ClaimKind, ClaimStatus
from mutua.claims.tests import samples
from mutua.core.testing import days_ago, typed
from mutua.members.models import MemberKind


def post_document(client, claim, **overrides):
    child = claim.member.beneficiaries.first()
    values = {
        "holder": str(child.pk),
        "school_type": "high",
        "grade": "100 e lode",
        "provider_name": "Liceo Scientifico Volta",
        "issue_date": typed(days_ago(30)),
        "notes": "",
        "files": [samples.pdf_upload("certificato.pdf")],
    }
    values.update(overrides)
    return client.post(reverse("portal:document_add", args=[claim.pk]), values)


@pytest.fixture
def study_draft(client, member):
    client.force_login(member.user)
    response = client.post(reverse("portal:study_start"))
    return Claim.objects.get(pk=int(response["Location"].split("/")[2]))


@pytest.mark.django_db
def test_collective_agreement_members_read_why_not(client, member):
    member.kind = MemberKind.COLLECTIVE
    member.save()
    client.force_login(member.user)
    page = client.get(reverse("portal:study_start")).content.decode()
    assert "riservati ai soci ordinari" in page and "Inizia la richiesta" not in page
    client.post(reverse("portal:study_start"))
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_study_subsidy_flow(client, member, study_draft):
    assert study_draft.kind == ClaimKind.STUDY_SUBSIDY
    page = client.get(reverse("portal:claim_draft", args=[study_draft.pk])).content.decode()
    assert "Rimborso richiesto per" in page and "Voto conseguito" in page and "Regione" in page
    assert post_document(client, study_draft).status_code == 302
    doc = ClaimDocument.objects.get()
    assert (doc.grade, doc.grade_honours, doc.school_type) == (100, True, "high")
    # The region is required before sending.
    client.post(reverse("portal:claim_submit", args=[study_draft.pk]), {"token": str(study_draft.token)})
    assert Claim.objects.get(pk=study_draft.pk).status == ClaimStatus.DRAFT
    client.post(reverse("portal:claim_draft_region", args=[study_draft.pk]), {"region": "Lombardia"})
    client.post(reverse("portal:claim_submit", args=[study_draft.pk]), {"token": str(study_draft.token)})
    assert Claim.objects.get(pk=study_draft.pk).status == ClaimStatus.SUBMITTED
    assert "Sussidio allo studio" in client.get(reverse("portal:claim_list")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("school_type", "grade", "message"),
    [
        ("middle", "11", "va da 6 a 10"),
        ("high", "59", "va da 60 a 100"),
        ("bachelor", "111", "va da 66 a 110"),
        ("bachelor", "100 e lode", "solo con il voto massimo"),
        ("master", "ottimo", "Scrivi il voto in numeri"),
        ("high", "", "Inserisci il voto conseguito"),
    ],
)
def test_grade_is_checked_against_the_school_scale(client, study_draft, school_type, grade, message):
    response = post_document(client, study_draft, school_type=school_type, grade=grade)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ClaimDocument.objects.exists()


@pytest.mark.django_db
def test_bad_region_is_refused(client, study_draft):
    client.post(reverse("portal:claim_draft_region", args=[study_draft.pk]), {"region": "Atlantide"})
    assert Claim.objects.get(pk=study_draft.pk).region == ""


@pytest.mark.django_db
def test_study_and_reimbursement_drafts_are_separate(client, member, study_draft):
    response = client.post(reverse("portal:reimbursement_start"))
    other = Claim.objects.get(pk=int(response["Location"].split("/")[2]))
    assert other.pk != study_draft.pk and other.kind == ClaimKind.REIMBURSEMENT_STANDARD


@pytest.mark.django_db
def test_other_member_cannot_touch_a_study_draft(client, study_draft, other_member):
    client.force_login(other_member.user)
    assert client.get(reverse("portal:claim_draft", args=[study_draft.pk])).status_code == 404
    assert (
        client.post(reverse("portal:claim_draft_region", args=[study_draft.pk]), {"region": "Lazio"}).status_code == 404
    )
    assert Claim.objects.get(pk=study_draft.pk).region == ""


@pytest.mark.django_db
def test_a_bad_certificate_file_is_reported_together_with_the_other_errors(client, study_draft):
    response = post_document(
        client, study_draft, grade="ottimo", provider_name="", files=[samples.fake_pdf_upload("certificato.pdf")]
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "«certificato.pdf» non è un file valido" in page
    assert "Scrivi il voto in numeri" in page and "Inserisci il nome della scuola" in page
    assert 'value="ottimo"' in page
    assert not ClaimDocument.objects.exists()
