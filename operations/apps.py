from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """What administrators watch: the statistics page (`/admin/statistics/`) and `manage.py statistics`."""

    name = "operations"
    verbose_name = _("Operations")
