"""Remove files from storage after the rows that own them are deleted and the transaction commits.

A row deleted with `FILES_STAY` set on it leaves its files alone: another row takes them over
(`gallery.moves._rows_delete_keeping_files`).
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from gallery import files
from gallery.models import FILES_STAY, Image, Thumbnail


@receiver(post_delete, sender=Image, dispatch_uid="gallery_image_file_delete")
def image_file_delete(sender, instance: Image, **kwargs) -> None:
    if not getattr(instance, FILES_STAY, False):
        files.delete_on_commit([instance.file.name])


@receiver(post_delete, sender=Thumbnail, dispatch_uid="gallery_thumbnail_file_delete")
def thumbnail_file_delete(sender, instance: Thumbnail, **kwargs) -> None:
    if not getattr(instance, FILES_STAY, False):
        files.delete_on_commit([instance.file.name])
