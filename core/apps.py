from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Rules every app shares (capabilities, audit signal, API error shapes); imports none of ours."""

    name = "core"
    verbose_name = "PicHosting core"

    def ready(self) -> None:
        from core import checks  # noqa: F401 - registers the system checks
        from core.lookups import lookups_register

        lookups_register()
