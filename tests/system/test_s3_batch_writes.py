"""`gallery.files.store_many` against a real S3 server (SeaweedFS): a photo's files are written side by side
(one network round trip, not one per file), and a failed write leaves none of the batch behind."""

import io
import threading

import pytest
from storages.backends.s3 import S3Storage

from gallery import files

pytestmark = pytest.mark.django_db

BATCH = 6


class _Gated(io.BytesIO):
    """Content whose first read waits until every content of the batch is being read."""

    def __init__(self, data: bytes, gate: threading.Barrier) -> None:
        super().__init__(data)
        self.gate = gate

    def read(self, size: int = -1) -> bytes:
        if self.gate is not None:
            gate, self.gate = self.gate, None
            gate.wait(timeout=10)  # BrokenBarrierError when the writes run one after another
        return super().read(size)


class _Broken(io.BytesIO):
    def read(self, size: int = -1) -> bytes:
        raise OSError("the disk went away")


@pytest.fixture
def s3_client(s3_media):
    server, bucket = s3_media
    assert isinstance(files.storage(), S3Storage)
    return server.client(), bucket


def test_the_files_of_a_batch_are_written_side_by_side(s3_client):
    client, bucket = s3_client
    gate = threading.Barrier(BATCH)
    names = [f"thumbnails/a/b/{index}.jpg" for index in range(BATCH)]
    stored = files.store_many([(name, _Gated(name.encode(), gate)) for name in names])
    assert stored == names
    for name in names:
        assert client.get_object(Bucket=bucket, Key=name)["Body"].read() == name.encode()


def test_a_failed_write_leaves_nothing_of_its_batch(s3_client):
    client, bucket = s3_client
    contents = [(f"thumbnails/a/b/{index}.jpg", b"fine") for index in range(BATCH - 1)]
    with pytest.raises(OSError, match="went away"):
        files.store_many([*contents, ("thumbnails/a/b/broken.jpg", _Broken())])
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
