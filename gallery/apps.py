from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = _("Gallery")

    def ready(self) -> None:
        import pillow_heif

        from gallery import checks, signal_handlers  # noqa: F401  (registers checks, connects receivers)

        pillow_heif.register_heif_opener()  # HEIC/HEIF photos from phones open like any other format
