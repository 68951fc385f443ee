"""Request bodies left behind: Django's temporary upload files whose request never ended.

Django writes an upload over `FILE_UPLOAD_MAX_MEMORY_SIZE` to `FILE_UPLOAD_TEMP_DIR` (the system's temporary
folder by default) as `tmp….upload…`, and deletes it when the request ends. A web worker killed mid-upload
leaves it there for ever; the task worker's periodic duties (`uploads.worker`) remove those older than
`UPLOAD_TEMP_MAX_AGE_SECONDS`. Only files named the way Django names them are touched.
"""

import tempfile
import time
from pathlib import Path

from django.conf import settings

# django.core.files.uploadedfile.TemporaryUploadedFile: NamedTemporaryFile(suffix=".upload" + extension)
TEMPORARY_UPLOAD_GLOB = "tmp*.upload*"


def upload_temp_sweep() -> list[str]:
    """Delete temporary upload files older than `UPLOAD_TEMP_MAX_AGE_SECONDS`; returns their names."""
    directory = Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())
    cutoff = time.time() - settings.UPLOAD_TEMP_MAX_AGE_SECONDS
    removed = []
    for path in directory.glob(TEMPORARY_UPLOAD_GLOB):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            continue  # its request ended meanwhile
    return removed
