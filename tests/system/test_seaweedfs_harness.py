"""The S3 server the storage tests use checks what a real store checks: signatures and presigned expiry."""

import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError


def test_a_wrong_secret_is_refused(s3_server, s3_bucket):
    s3_server.client().put_object(Bucket=s3_bucket, Key="photo.jpg", Body=b"bytes")
    with pytest.raises(ClientError) as refused:
        s3_server.client(secret_key="not-the-secret").get_object(Bucket=s3_bucket, Key="photo.jpg")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert s3_server.client().get_object(Bucket=s3_bucket, Key="photo.jpg")["Body"].read() == b"bytes"


def test_an_unsigned_request_is_refused(s3_server, s3_bucket):
    s3_server.client().put_object(Bucket=s3_bucket, Key="photo.jpg", Body=b"bytes")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_server.endpoint_url}/{s3_bucket}/photo.jpg", timeout=10)
    assert refused.value.code == 403


def test_an_expired_presigned_url_is_refused(s3_server, s3_bucket):
    client = s3_server.client()
    client.put_object(Bucket=s3_bucket, Key="photo.jpg", Body=b"bytes")
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": s3_bucket, "Key": "photo.jpg"}, ExpiresIn=1
    )
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"bytes"
    time.sleep(2.5)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
