"""The admin's result counts with proper plurals ("5 альбомов", not "5 альбомы").

Django's changelist writes the count next to `verbose_name` or `verbose_name_plural`, which is right in
English and wrong in Russian, where 2–4 and 5+ take other forms. `{% result_count cl %}` (used by our
`admin/pagination.html`) says it with ngettext instead, for every model the admin lists; the gallery's
"moved to the trash" messages use the same words (`objects_count`).
"""

from django import template
from django.utils.translation import ngettext_lazy

register = template.Library()

RESULT_COUNTS = {
    "gallery.album": ngettext_lazy("%(count)d album", "%(count)d albums", "count"),
    "gallery.article": ngettext_lazy("%(count)d article", "%(count)d articles", "count"),
    "gallery.image": ngettext_lazy("%(count)d photo", "%(count)d photos", "count"),
    "uploads.uploadjob": ngettext_lazy("%(count)d upload job", "%(count)d upload jobs", "count"),
    "uploads.uploadresult": ngettext_lazy("%(count)d upload result", "%(count)d upload results", "count"),
    "uploads.syncrun": ngettext_lazy("%(count)d sync run", "%(count)d sync runs", "count"),
    "accounts.actionlog": ngettext_lazy(
        "%(count)d action log entry", "%(count)d action log entries", "count"
    ),
    "accounts.oidcidentity": ngettext_lazy(
        "%(count)d OpenID identity", "%(count)d OpenID identities", "count"
    ),
    "auth.user": ngettext_lazy("%(count)d user", "%(count)d users", "count"),
    "auth.group": ngettext_lazy("%(count)d group", "%(count)d groups", "count"),
    "django_tasks_database.dbtaskresult": ngettext_lazy(
        "%(count)d task result", "%(count)d task results", "count"
    ),
}


def objects_count(opts, count: int) -> str:
    """ "<count> <objects>" of a model (its `_meta`), in the active language's plural form."""
    words = RESULT_COUNTS.get(opts.label_lower)
    if words is None:  # a model not listed above: Django's two forms
        return f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"
    return words % {"count": count}


@register.simple_tag
def result_count(cl) -> str:
    """A changelist's result count, e.g. "5 альбомов" (see `objects_count`)."""
    return objects_count(cl.opts, cl.result_count)
