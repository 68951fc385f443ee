"""The S3 backend (`core.storage.S3Storage`) against a real S3 server (SeaweedFS): a small file is one
PutObject with its content type and no checksum the API does not require; a large one stays multipart."""

import os

import pytest
from django.core.files.base import ContentFile

from core.storage import S3Storage
from gallery import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests_made(s3_media) -> list[tuple[str, dict]]:
    """(operation, request headers) of every S3 request the configured storage sends from now on."""
    store = files.storage()
    assert isinstance(store, S3Storage)
    sent: list[tuple[str, dict]] = []

    def record(request, operation_name, **kwargs) -> None:
        sent.append((operation_name, dict(request.headers)))

    store.bucket.meta.client.meta.events.register("before-sign.s3", record)
    return sent


def test_a_small_file_is_one_put_object_with_its_type_and_no_optional_checksum(requests_made, s3_media):
    server, bucket = s3_media
    data = os.urandom(40_000)

    name = files.store("a/b/small.webp", data)

    assert [operation for operation, _headers in requests_made] == ["PutObject"]
    headers = {key.lower(): value for key, value in requests_made[0][1].items()}
    assert not [key for key in headers if key.startswith(("x-amz-checksum", "x-amz-sdk-checksum"))]
    stored = server.client().get_object(Bucket=bucket, Key=name)
    assert stored["ContentType"] == "image/webp" and stored["Body"].read() == data


def test_a_file_above_the_multipart_threshold_is_a_multipart_upload(requests_made, s3_media):
    server, bucket = s3_media
    store = files.storage()
    data = os.urandom(store.transfer_config.multipart_threshold + 1)

    name = store.save("big.jpg", ContentFile(data))

    operations = [operation for operation, _headers in requests_made]
    assert operations[0] == "CreateMultipartUpload" and operations[-1] == "CompleteMultipartUpload"
    assert server.client().get_object(Bucket=bucket, Key=name)["Body"].read() == data
