"""`manage.py storage_migrate --to s3` on a real S3 server (SeaweedFS): copied, verified, resumable."""

import hashlib

import pytest
from django.core.management import CommandError, call_command

from gallery import files, services
from gallery.models import Image, Thumbnail
from gallery.storage_migration import storage_migrate
from gallery.tests.factories import article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(media_root):
    """Three photos (one in the trash) with their thumbnails on disk; every stored name the database names."""
    article = article_make()
    for color in [(200, 0, 0), (0, 200, 0), (0, 0, 200)]:
        image = image_make(article, color=color, original=f"{color}.jpg")
    services.images_delete(images=[image])
    assert Image.objects.count() == 2
    originals = Image.all_objects.values_list("file", flat=True)
    names = set(originals) | set(Thumbnail.objects.values_list("file", flat=True))
    assert len(names) > 6
    return names


@pytest.fixture
def bucket(catalogue, s3_server, s3_bucket, settings):
    """The configured storage becomes the (empty) bucket; the catalogue's files are still only on disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": settings.STORAGE_BACKENDS["s3"],
            "OPTIONS": s3_server.storage_options(s3_bucket),
        },
    }
    return s3_server.client(), s3_bucket


def bucket_contents(bucket) -> dict[str, str]:
    client, name = bucket
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])]
    return {
        key: hashlib.sha256(client.get_object(Bucket=name, Key=key)["Body"].read()).hexdigest()
        for key in keys
    }


def disk_sha256(media_root, name: str) -> str:
    return hashlib.sha256((media_root / name).read_bytes()).hexdigest()


def migrate(*args: str) -> str:
    out = []
    call_command("storage_migrate", "--to", "s3", *args, stdout=type("W", (), {"write": out.append})())
    return "".join(out).strip()


def test_every_file_lands_in_the_bucket_with_its_sha256_and_a_dry_run_copies_nothing(
    catalogue, bucket, media_root
):
    count = len(catalogue)
    assert (
        migrate("--dry-run")
        == f"would copy {count}, already there 0, missing at source 0, checksum mismatch 0"
    )
    assert bucket_contents(bucket) == {}

    assert migrate() == f"copied {count}, already there 0, missing at source 0, checksum mismatch 0"

    assert bucket_contents(bucket) == {name: disk_sha256(media_root, name) for name in catalogue}
    for image in Image.all_objects.all():
        assert files.file_sha256(image.file.name) == image.sha256  # served from the bucket now
    assert migrate() == f"copied 0, already there {count}, missing at source 0, checksum mismatch 0"


def test_an_interrupted_run_resumes_and_a_wrong_object_is_copied_again(catalogue, bucket, media_root):
    target, saved = files.storage_of("s3"), []
    save = target.save

    def save_three_then_die(name, content):
        if len(saved) == 3:
            raise KeyboardInterrupt
        saved.append(name)
        return save(name, content)

    target.save = save_three_then_die
    with pytest.raises(KeyboardInterrupt):
        storage_migrate(source=files.storage_of("filesystem"), target=target)
    assert set(bucket_contents(bucket)) == set(saved)
    client, name = bucket
    wrong = sorted(catalogue - set(saved))[0]
    client.put_object(Bucket=name, Key=wrong, Body=b"a half-finished copy by some other tool")

    count = len(catalogue)
    assert migrate() == f"copied {count - 3}, already there 3, missing at source 0, checksum mismatch 0"

    assert bucket_contents(bucket) == {name: disk_sha256(media_root, name) for name in catalogue}


def test_missing_and_changed_sources_are_reported_the_rest_copied_and_the_exit_is_nonzero(
    catalogue, bucket, media_root, capsys
):
    gone, changed = Image.all_objects.order_by("pk").values_list("file", flat=True)[:2]
    (media_root / gone).unlink()
    (media_root / changed).write_bytes(b"not the picture the row records")

    with pytest.raises(CommandError, match="2 files could not be migrated"):
        migrate()

    errors = capsys.readouterr().err
    assert f"{gone}: missing at source" in errors
    assert f"{changed}: checksum mismatch: the source file is not the one its row records" in errors
    assert set(bucket_contents(bucket)) == catalogue - {gone, changed}
