"""Members' files on S3-compatible storage, as production runs with AWS_STORAGE_BUCKET_NAME set.

The STORAGES that config/settings.py builds from the S3 variables, against moto's S3 server listening on a local
port (real HTTP, real boto3 signing): a file uploaded through the claim draft page lands in the private bucket and
nowhere on the local disk, comes back byte for byte only to its owner through the portal, and is removed from the
bucket when the member removes it.
"""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from mutua.claims.models import Attachment
from mutua.claims.tests import samples
from mutua.portal.tests.test_claims import doc_post, start

BUCKET = "mutua-allegati-test"
REGION = "eu-south-1"
PREFIX = "mutua-test"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
SETTINGS_FILE = Path(__file__).resolve().parents[3] / "config" / "settings.py"


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """An empty private bucket, and the STORAGES config/settings.py builds for it from the environment."""
    environment = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "mutua-test",
        "AWS_SECRET_ACCESS_KEY": "mutua-test-secret",
        "AWS_LOCATION": PREFIX,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    production = runpy.run_path(str(SETTINGS_FILE))["STORAGES"]
    settings.STORAGES = {**settings.STORAGES, "default": production["default"]}
    settings.MEDIA_ROOT = tmp_path / "media"
    try:
        yield client
    finally:
        for found in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=found["Key"])
        client.delete_bucket(Bucket=BUCKET)


def objects(client: Any) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


@pytest.mark.django_db
def test_an_uploaded_scan_lives_in_the_private_bucket_and_only_its_owner_downloads_it(
    bucket, settings, client, member, other_member
):
    assert default_storage.__class__.__name__ == "S3Storage"
    upload = samples.pdf_upload(name="fattura-s3.pdf", text="Fattura S3-1 di Mario Rossi")
    scan = upload.read()
    upload.seek(0)
    client.force_login(member.user)
    draft = start(client)
    response = client.post(reverse("portal:document_add", args=[draft.pk]), doc_post(number="S3-1", files=[upload]))
    assert response.status_code == 302
    attachment = Attachment.objects.get(document__claim=draft)

    # In the bucket under the configured prefix and the random storage name, never the member's file name.
    assert objects(bucket) == {f"{PREFIX}/{attachment.file.name}": scan}
    assert "fattura-s3" not in attachment.file.name
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]

    # Private: the bucket owner alone holds a grant (none to everyone, none to any AWS account), and any URL the
    # storage makes is signed and short-lived.
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=f"{PREFIX}/{attachment.file.name}")["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]
    assert [(g["Grantee"]["Type"], g["Permission"]) for g in grants] == [("CanonicalUser", "FULL_CONTROL")]
    query = parse_qs(urlsplit(default_storage.url(attachment.file.name)).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "X-Amz-Signature" in query

    # The owner gets the same bytes through the portal, streamed by the view (no redirect to the bucket).
    download = client.get(reverse("portal:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="fattura-s3.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == scan

    # Another member gets the same 404 as for a file that does not exist.
    client.force_login(other_member.user)
    assert client.get(reverse("portal:attachment_download", args=[attachment.pk])).status_code == 404


@pytest.mark.django_db
def test_a_file_the_member_removes_is_deleted_from_the_bucket(bucket, client, member):
    client.force_login(member.user)
    draft = start(client)
    client.post(
        reverse("portal:document_add", args=[draft.pk]),
        doc_post(files=[samples.pdf_upload(name="prima.pdf"), samples.pdf_upload(name="seconda.pdf", text="Pag. 2")]),
    )
    first, second = Attachment.objects.filter(document__claim=draft).order_by("original_name")
    assert set(objects(bucket)) == {f"{PREFIX}/{first.file.name}", f"{PREFIX}/{second.file.name}"}

    client.post(reverse("portal:attachment_remove", args=[draft.pk, first.pk]))

    assert set(objects(bucket)) == {f"{PREFIX}/{second.file.name}"}
