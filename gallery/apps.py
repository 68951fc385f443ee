from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        from gallery import signal_handlers  # noqa: F401  (connects receivers)
