from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django_tasks_db.apps import TasksAppConfig


class PicHostingAdminConfig(AdminConfig):
    """django.contrib.admin with PicHosting's site: appadmin only, every change in the action log."""

    default_site = "pichosting.admin_site.PicHostingAdminSite"


class BackgroundTasksConfig(TasksAppConfig):
    """django-tasks-db under a name that follows the admin's language (its own is English only)."""

    verbose_name = _("Background tasks")


# django-tasks-db names its model with lazy gettext but ships no Russian catalogue: ours translates these, and
# marking them here keeps `makemessages --no-obsolete` from dropping them.
THIRD_PARTY_TEXTS = (
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    # django-tasks' result states (`TaskResultStatus`), in its "Task" context
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)
