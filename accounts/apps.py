from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and action log"

    def ready(self) -> None:
        from accounts import checks, signal_handlers  # noqa: F401  (registers checks, connects receivers)
