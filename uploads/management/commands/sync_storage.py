"""`manage.py sync_storage`: reconcile storage and the catalogue (see `uploads.sync`)."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gallery.locks import LockBusy
from uploads.sync import SyncOptions, sync_run

BAR_WIDTH = 30
PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Reconcile storage and database: catalogue hand-copied photos, report (and with --delete-missing "
        "remove) rows whose file is gone, re-process changed originals, and with --thumbnails generate "
        "missing thumbnails and delete orphan ones. Exits 1 when something could not be put right."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report what would change; change nothing")
        parser.add_argument(
            "--album", default="", metavar="NAME", help="only the album with this name or slug"
        )
        parser.add_argument(
            "--delete-missing", action="store_true", help="remove the rows of photos whose file is gone"
        )
        parser.add_argument(
            "--thumbnails", action="store_true", help="generate missing thumbnails, delete orphan ones"
        )
        parser.add_argument(
            "--checksum", action="store_true", help="hash every original (slow), not only size-changed ones"
        )

    def handle(self, *args, **options) -> None:
        sync_options = SyncOptions(
            dry_run=options["dry_run"],
            album=options["album"],
            delete_missing=options["delete_missing"],
            thumbnails=options["thumbnails"],
            checksum=options["checksum"],
        )
        self.tty = self.stderr.isatty() if hasattr(self.stderr, "isatty") else sys.stderr.isatty()
        self.last_line = ""
        try:
            report = sync_run(options=sync_options, progress=self.progress)
        except LockBusy as exc:
            raise CommandError(f"another sync is running: {exc}") from exc
        if self.tty:
            self.stderr.write("\r" + " " * len(self.last_line) + "\r", ending="")
        for problem in report.problems[:PROBLEMS_SHOWN]:
            self.stdout.write(f"{problem['what']:<12} {problem['path']}  {problem['detail']}".rstrip())
        if len(report.problems) > PROBLEMS_SHOWN:
            self.stdout.write(f"… and {len(report.problems) - PROBLEMS_SHOWN} more")
        title = "Dry run: nothing was changed" if sync_options.dry_run else "Sync summary"
        rows = report.summary()
        width = max(len(label) for label, _count in rows)
        self.stdout.write(f"\n{title}\n{'-' * (width + 10)}")
        for label, count in rows:
            self.stdout.write(f"{label:<{width}} {count:>9}")
        agreement = (
            "storage and database agree" if report.in_sync else "storage and database do not agree yet"
        )
        self.stdout.write(f"{'-' * (width + 10)}\n{agreement}")
        if report.failed:
            raise CommandError("some files could not be put right; see the lines above")

    def progress(self, stage: str, done: int, total: int) -> None:
        if self.tty:
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            line = f"{stage[:40]:<40} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}"
            self.stderr.write("\r" + line.ljust(len(self.last_line)), ending="")
            self.stderr.flush()
            self.last_line = line
        elif stage == "albums" and done < total:
            self.stderr.write(f"album {done + 1}/{total}")
