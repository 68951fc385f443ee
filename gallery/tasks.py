"""Background tasks of the gallery (django-tasks; `manage.py db_worker` runs them)."""

import logging

from django_tasks import task

from core.audit import Actor
from gallery.models import Image
from gallery.thumbnails import image_thumbnails_generate

logger = logging.getLogger(__name__)


@task()
def images_thumbnails_regenerate(image_ids: list[int]) -> int:
    """Render every thumbnail of these photos again; returns how many succeeded (failures are logged)."""
    done = 0
    images = (
        Image.objects.filter(pk__in=image_ids).select_related("article__album").prefetch_related("thumbnails")
    )
    for image in images.iterator(chunk_size=100):
        try:
            image_thumbnails_generate(image=image)
        except Exception:  # one photo that no longer decodes must not stop the others
            logger.exception("thumbnails of image %s could not be regenerated", image.pk)
            continue
        done += 1
    return done


def images_thumbnails_regenerate_enqueue(*, images: list[Image], actor: Actor | None) -> None:
    """Queue the thumbnails of these photos to be rendered again, recording the request for each photo."""
    images_thumbnails_regenerate.enqueue([image.pk for image in images])
    for image in images if actor is not None else ():
        actor.record(action="admin_regenerate_thumbnails", obj=image)
