import importlib

import pytest
from django.apps import apps

from gallery import files
from uploads.models import UploadJob

migration = importlib.import_module("uploads.migrations.0008_uploadjob_spool_in_storage")


@pytest.mark.django_db
def test_an_unfinished_job_of_the_old_version_gets_its_local_spool_stored(tmp_path):
    folder = tmp_path / "old-spool"
    folder.mkdir()
    (folder / "00000").write_bytes(b"PK\x05\x06zip")
    waiting = UploadJob.objects.create(kind=UploadJob.Kind.ARCHIVE, source_name="a.zip", spool=str(folder))
    lost = UploadJob.objects.create(kind=UploadJob.Kind.ARCHIVE, source_name="b.zip", spool="/gone")

    migration.local_spools_store(apps, None)

    waiting.refresh_from_db()
    lost.refresh_from_db()
    assert waiting.spool.startswith("spool/")
    with files.open_file(f"{waiting.spool}00000") as handle:
        assert handle.read() == b"PK\x05\x06zip"
    assert lost.spool == "/gone"  # it fails with spool_missing when its worker runs it
