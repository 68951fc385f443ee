from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and action log")

    def ready(self) -> None:
        from accounts import checks, signal_handlers  # noqa: F401  (registers checks, connects receivers)

        # After every `migrate` and every `flush` (which empties auth_group), as Django creates permissions.
        post_migrate.connect(signal_handlers.role_groups_create, sender=self, dispatch_uid="role_groups")
