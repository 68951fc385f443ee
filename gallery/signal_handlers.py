"""Remove files from storage after the rows that own them are deleted and the transaction commits."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from gallery.models import Image, Thumbnail

logger = logging.getLogger(__name__)


def file_delete_on_commit(field_file) -> None:
    """Schedule deletion of a stored file for when the current transaction commits (never on rollback)."""
    if not field_file or not field_file.name:
        return
    storage, name = field_file.storage, field_file.name

    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete %s from storage", name)

    transaction.on_commit(delete)


@receiver(post_delete, sender=Image, dispatch_uid="gallery_image_file_delete")
def image_file_delete(sender, instance: Image, **kwargs) -> None:
    file_delete_on_commit(instance.file)


@receiver(post_delete, sender=Thumbnail, dispatch_uid="gallery_thumbnail_file_delete")
def thumbnail_file_delete(sender, instance: Thumbnail, **kwargs) -> None:
    file_delete_on_commit(instance.file)
