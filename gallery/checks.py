"""System checks of the gallery settings, run by `manage.py check` and at start."""

from django.conf import settings
from django.core.checks import Error, register

from gallery.serving import MEDIA_SERVE_MODES


@register()
def media_serve_check(app_configs, **kwargs) -> list[Error]:
    """`MEDIA_SERVE` must name a known mode; nginx mode needs an absolute internal location, and on S3 an
    endpoint with path-style addressing (nginx fetches presigned URLs from it); `TRASH_DAYS` is not
    negative."""
    errors = []
    if settings.MEDIA_SERVE not in MEDIA_SERVE_MODES:
        errors.append(
            Error(
                f"MEDIA_SERVE is {settings.MEDIA_SERVE!r}.",
                hint=f"Set MEDIA_SERVE to one of: {', '.join(MEDIA_SERVE_MODES)}.",
                id="gallery.E001",
            )
        )
    if settings.MEDIA_SERVE == "nginx" and not settings.MEDIA_ACCEL_PREFIX.startswith("/"):
        errors.append(
            Error(
                f"MEDIA_ACCEL_PREFIX is {settings.MEDIA_ACCEL_PREFIX!r}.",
                hint="Set it to the absolute path of the nginx internal location, e.g. /_protected/.",
                id="gallery.E002",
            )
        )
    if (
        settings.MEDIA_SERVE == "nginx"
        and settings.STORAGE_BACKEND == "s3"
        and not (settings.AWS_S3_ENDPOINT_URL and settings.AWS_S3_ADDRESSING_STYLE == "path")
    ):
        errors.append(
            Error(
                "MEDIA_SERVE=nginx on S3 needs S3_ENDPOINT_URL and S3_ADDRESSING_STYLE=path.",
                hint="nginx fetches presigned URLs from the origin S3_ENDPOINT_URL (e.g. "
                "https://s3.eu-central-1.amazonaws.com on AWS); see docs/scale-out.md.",
                id="gallery.E004",
            )
        )
    if settings.TRASH_DAYS < 0:
        errors.append(
            Error(
                f"TRASH_DAYS is {settings.TRASH_DAYS}.",
                hint="Set it to the days deleted items stay restorable: 0 or more (default 30).",
                id="gallery.E003",
            )
        )
    return errors
