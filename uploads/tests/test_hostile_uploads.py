import io
import os
import stat
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gallery.models import Image
from gallery.tests.factories import picture_bytes
from uploads.intake import UploadRejected, upload_job_create
from uploads.models import UploadJob
from uploads.tests.builders import zip_bytes, zip_mark_encrypted
from uploads.tests.test_validation import png_header_only

pytestmark = pytest.mark.django_db


def outcomes(job: UploadJob) -> dict[str, str]:
    return {result.name: result.code for result in job.results.all()}


def files_under(root) -> set[str]:
    return {os.path.join(path, name) for path, _dirs, names in os.walk(root) for name in names}


def test_zip_slip_names_write_nothing_outside_storage(ingest, tmp_path, media_root):
    before = files_under(tmp_path.parent)
    job = ingest(
        {
            "slip.zip": zip_bytes(
                {
                    "../../../../tmp/evil/a.jpg": picture_bytes(color=(1, 1, 1)),
                    "/etc/cron.d/b.jpg": picture_bytes(color=(2, 2, 2)),
                    "..\\..\\windows\\c.jpg": picture_bytes(color=(3, 3, 3)),
                    "C:\\Windows\\System32\\d.jpg": picture_bytes(color=(4, 4, 4)),
                }
            )
        }
    )
    assert job.added == 4
    assert sorted(Image.objects.values_list("article__sku", flat=True)) == [
        "System32",
        "cron.d",
        "evil",
        "windows",
    ]
    new_files = files_under(tmp_path.parent) - before
    assert new_files
    stored = {name for name in new_files if "/locks/" not in name}
    assert all(os.path.realpath(name).startswith(str(media_root) + os.sep) for name in stored)
    assert len(stored) == 4 * 7  # four originals with six thumbnails each, and nothing else
    assert not os.path.exists("/tmp/evil")


def test_hostile_entries_are_refused_with_reasons_and_good_ones_still_land(ingest, settings):
    settings.UPLOAD_MAX_PIXELS = 50_000_000
    link = zipfile.ZipInfo("SKU/link.jpg")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    truncated = picture_bytes(800, 600)
    data = zip_bytes(
        [
            ("SKU/good.jpg", picture_bytes(color=(10, 20, 30))),
            (link, b"/etc/passwd"),
            ("SKU/nested.jpg", zip_bytes({"inner.jpg": picture_bytes()})),
            ("SKU/inner.zip", zip_bytes({"inner.jpg": picture_bytes()})),
            ("SKU/pixels.png", png_header_only(40000, 40000)),
            ("SKU/page.jpg", b"<!doctype html><html><body onload='alert(1)'>"),
            ("SKU/logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
            ("SKU/shell.gif", b"GIF89a<?php system($_GET['c']); ?>"),
            ("SKU/truncated.jpg", truncated[: len(truncated) // 2]),
            ("SKU/empty.jpg", b""),
            ("SKU/" + "я" * 300 + ".jpg", picture_bytes()),
            ("SKU/locked.jpg", picture_bytes()),
        ]
    )
    job = ingest({"hostile.zip": zip_mark_encrypted(data, "SKU/locked.jpg")})
    assert job.status == UploadJob.Status.DONE, job.error
    assert (job.added, job.refused) == (1, 11)
    codes = outcomes(job)
    assert codes == {
        "SKU/good.jpg": "",
        "SKU/link.jpg": "symlink",
        "SKU/nested.jpg": "nested_archive",
        "SKU/inner.zip": "nested_archive",
        "SKU/pixels.png": "too_many_pixels",
        "SKU/page.jpg": "not_a_picture",
        "SKU/logo.png": "not_a_picture",
        "SKU/shell.gif": "not_a_picture",
        "SKU/truncated.jpg": "damaged",
        "SKU/empty.jpg": "empty",
        "SKU/" + "я" * 300 + ".jpg": "name_too_long",
        "SKU/locked.jpg": "encrypted",
    }
    assert all(result.reason for result in job.results.exclude(outcome="added"))
    assert list(Image.objects.values_list("original_name", flat=True)) == ["good.jpg"]


def test_a_zip_bomb_entry_is_refused_and_the_rest_catalogued(ingest):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("SKU/ok.jpg", picture_bytes())
        with archive.open("SKU/zeros.jpg", "w", force_zip64=True) as member:
            for _ in range(16):
                member.write(bytes(16 * 1024**2))  # 256 MiB of zeros, about 250 KB deflated
    job = ingest({"bomb.zip": buffer.getvalue()})
    assert (job.added, job.refused) == (1, 1)
    assert outcomes(job)["SKU/zeros.jpg"] == "compression_ratio"


def test_too_many_entries_fail_the_job_with_the_reason(ingest, settings):
    settings.UPLOAD_MAX_ENTRIES = 3
    job = ingest({"many.zip": zip_bytes({f"SKU/{index}.jpg": picture_bytes() for index in range(4)})})
    assert job.status == UploadJob.Status.FAILED
    assert job.error_code == "too_many_entries"
    assert "limit is 3" in job.error_text
    assert not Image.objects.exists()


def upload(files, **form):
    return upload_job_create(user=None, files=[SimpleUploadedFile(n, c) for n, c in files.items()], **form)


@pytest.mark.parametrize(
    ("files", "form", "status", "code"),
    [
        ({"photo.jpg": picture_bytes()}, {}, 400, "not_a_zip"),
        ({"report.pdf": b"%PDF-1.4"}, {}, 400, "not_a_zip"),
        ({"cut.zip": zip_bytes({"a.jpg": picture_bytes()})[:-30]}, {}, 400, "not_a_zip"),
        ({"fake.zip": b"PK\x03\x04 not really"}, {}, 400, "not_a_zip"),
        ({"a.zip": zip_bytes({"a.jpg": b"1"}), "b.jpg": picture_bytes()}, {}, 400, "one_archive"),
        ({"a.zip": zip_bytes({"a.jpg": b"1"})}, {"mode": "merge"}, 400, "invalid_mode"),
        ({"a.zip": zip_bytes({"a.jpg": b"1"})}, {"album": "x" * 201}, 400, "invalid_name"),
        ({"a.zip": zip_bytes({"a.jpg": b"1"})}, {"album": "Весна/Лето"}, 400, "invalid_name"),
        ({}, {}, 400, "no_file"),
    ],
)
def test_uploads_refused_at_the_door_keep_nothing(files, form, status, code, upload_dirs):
    with pytest.raises(UploadRejected) as rejected:
        upload(files, **form)
    assert (rejected.value.status, rejected.value.code) == (status, code)
    assert not UploadJob.objects.exists()
    assert not upload_dirs.exists() or not any(upload_dirs.iterdir())


def test_an_upload_over_the_size_limit_is_413(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(UploadRejected) as rejected:
        upload({"a.zip": zip_bytes({"a.jpg": picture_bytes(200, 200)})})
    assert rejected.value.status == 413
