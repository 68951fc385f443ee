"""The worker's sweep of request bodies that a killed web worker left in FILE_UPLOAD_TEMP_DIR."""

import os
import time

from uploads.temporary import upload_temp_sweep


def test_only_old_django_upload_files_are_removed(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.UPLOAD_TEMP_MAX_AGE_SECONDS = 3600
    old, fresh, other = (
        tmp_path / "tmpab12cd.upload.zip",
        tmp_path / "tmpef34gh.upload",
        tmp_path / "notes.txt",
    )
    for path in (old, fresh, other):
        path.write_bytes(b"partial body")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    assert upload_temp_sweep() == [old.name]
    assert not old.exists()
    assert fresh.exists() and other.exists()  # a request still receiving it; not a file Django named
