"""`manage.py storage_migrate --to s3 [--dry-run]`: copy the catalogue's files into the bucket (see
`gallery.storage_migration`)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gallery import files
from gallery.storage_migration import PROBLEM_MISMATCH, PROBLEM_MISSING, storage_migrate

PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Copy every original and thumbnail the database refers to from MEDIA_ROOT into the S3 bucket, "
        "verifying each SHA-256; run it again after an interruption. Exits 1 on a missing or mismatched file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, choices=["s3"], help="the storage to copy into")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be copied; copy nothing"
        )

    def handle(self, *args, to: str, dry_run: bool, **options) -> None:
        try:
            target = files.storage_of(to)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        report = storage_migrate(source=files.storage_of("filesystem"), target=target, dry_run=dry_run)
        for name, problem in report.problems[:PROBLEMS_SHOWN]:
            self.stderr.write(f"{name}: {problem}")
        if len(report.problems) > PROBLEMS_SHOWN:
            self.stderr.write(f"… and {len(report.problems) - PROBLEMS_SHOWN} more problems")
        self.stdout.write(
            f"{'would copy' if dry_run else 'copied'} {report.copied}, already there {report.already_there}, "
            f"missing at source {report.count(PROBLEM_MISSING)}, "
            f"checksum mismatch {report.count(PROBLEM_MISMATCH)}"
        )
        if report.problems:
            raise CommandError(f"{len(report.problems)} files could not be migrated")
