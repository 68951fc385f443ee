from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and action log")

    def ready(self) -> None:
        from accounts import checks, signal_handlers  # noqa: F401  (registers checks, connects receivers)
