"""Creates the bucket AWS_STORAGE_BUCKET_NAME on AWS_S3_ENDPOINT_URL if it does not exist yet (compose.yaml, service
`s3-bucket` of the S3 profile). The bucket is private: nothing here grants access to anyone but the key's owner.
Waits up to a minute for the store to answer; exit status 1 if it never does."""

from __future__ import annotations

import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def main() -> int:
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        print("create_bucket: AWS_STORAGE_BUCKET_NAME is empty: nothing to create", file=sys.stderr)
        return 1
    region = os.environ.get("AWS_S3_REGION_NAME") or "eu-south-1"
    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        config=Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 1}),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if bucket not in existing:
                client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
                print(f"create_bucket: {bucket} created", file=sys.stderr)
            else:
                print(f"create_bucket: {bucket} is there", file=sys.stderr)
            return 0
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() > deadline:
                print(f"create_bucket: the store does not answer: {exc}", file=sys.stderr)
                return 1
            time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
