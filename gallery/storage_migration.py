"""Copying the catalogue's files from one storage into another (`manage.py storage_migrate`).

Every file the database refers to (originals and thumbnails, trashed photos' too) is copied from the folder
`MEDIA_ROOT` into the bucket and read back: it counts as copied only when the object's SHA-256 equals the
source's, and an original's source must match the SHA-256 in its row. A run can be interrupted and started
again: an object already in the bucket with the right SHA-256 is left alone, a wrong one is copied again.
Nothing is deleted from the source.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files import File
from django.core.files.storage import Storage

from gallery import files
from gallery.models import Image, Thumbnail

logger = logging.getLogger(__name__)

PROBLEM_MISSING = "missing at source"
PROBLEM_MISMATCH = "checksum mismatch"


@dataclass
class MigrationReport:
    """What a run did (or, dry, would do), counted per file; `problems` holds (name, what) pairs."""

    dry_run: bool = False
    copied: int = 0
    already_there: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def count(self, problem: str) -> int:
        return sum(1 for _, what in self.problems if what.startswith(problem))


def referenced_files() -> Iterator[tuple[str, str | None]]:
    """Each stored name the database refers to once, with the SHA-256 its row records (thumbnails: None)."""
    seen: set[str] = set()
    originals = Image.all_objects.order_by("pk").values_list("file", "sha256")  # trashed photos too
    thumbnails = Thumbnail.objects.order_by("pk").values_list("file", flat=True)
    for name, sha256 in originals.iterator(chunk_size=1000):
        if name and name not in seen:
            seen.add(name)
            yield name, sha256
    for name in thumbnails.iterator(chunk_size=1000):
        if name and name not in seen:
            seen.add(name)
            yield name, None


def storage_migrate(*, source: Storage, target: Storage, dry_run: bool = False) -> MigrationReport:
    """Copy every referenced file from `source` to `target` and verify it there (see the module)."""
    report = MigrationReport(dry_run=dry_run)
    for name, expected in referenced_files():
        problem = _file_migrate(name, expected, source=source, target=target, dry_run=dry_run, report=report)
        if problem:
            report.problems.append((name, problem))
            logger.warning("storage_migrate: %s: %s", name, problem)
    return report


def _file_migrate(
    name: str,
    expected: str | None,
    *,
    source: Storage,
    target: Storage,
    dry_run: bool,
    report: MigrationReport,
) -> str | None:
    """Migrate one file, counting it in `report`; returns the problem, if any."""
    actual = files.stored_sha256(source, name)
    if actual is None:
        return PROBLEM_MISSING
    if expected and actual != expected:
        return f"{PROBLEM_MISMATCH}: the source file is not the one its row records"
    if files.stored_sha256(target, name) == actual:
        report.already_there += 1
        return None
    if dry_run:
        report.copied += 1
        return None
    with source.open(name) as handle:
        target.save(name, File(handle, name=name))
    if files.stored_sha256(target, name) != actual:
        return f"{PROBLEM_MISMATCH}: the copy in the target reads back different"
    report.copied += 1
    return None
