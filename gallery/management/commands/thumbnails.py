"""`manage.py thumbnails --missing|--all [--album SLUG]`: (re)generate photos' thumbnails."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from gallery.models import Image
from gallery.specs import THUMBNAIL_SPECS
from gallery.thumbnails import image_thumbnails_generate


class Command(BaseCommand):
    help = "Generate thumbnails: --missing for photos lacking some, --all to regenerate every one."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--missing", action="store_true", help="only thumbnails that have no row yet")
        which.add_argument("--all", action="store_true", help="regenerate every thumbnail")
        parser.add_argument("--album", help="limit to the album with this slug")

    def handle(self, *args, missing: bool, all: bool, album: str | None, **options) -> None:
        images = Image.objects.select_related("article__album").order_by("id")
        if album:
            images = images.filter(album__slug=album)
        if missing:
            images = images.annotate(thumbnails_count=Count("thumbnails")).filter(
                ~Q(thumbnails_count=len(THUMBNAIL_SPECS))
            )
        done = failed = written = 0
        for image in images.iterator(chunk_size=200):
            try:
                written += len(image_thumbnails_generate(image=image, missing_only=missing))
                done += 1
            except Exception as exc:  # one bad photo must not stop the run; it is reported below
                failed += 1
                self.stderr.write(f"image {image.pk} ({image.file.name}): {exc}")
        self.stdout.write(f"{done} photos processed, {written} thumbnails written, {failed} failed")
        if failed:
            raise CommandError(f"{failed} photos could not be processed")
