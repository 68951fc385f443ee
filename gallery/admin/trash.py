"""The admin's trash page (`/admin/trash/`): what was deleted, restored or emptied here (`gallery.trash`)."""

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import Actor
from gallery.trash import KINDS, trash_empty, trash_entries, trash_restore


def _selected(request: HttpRequest) -> list[tuple[str, int]]:
    """The ticked entries, `kind:pk` each; anything else is ignored."""
    chosen = []
    for value in request.POST.getlist("entry"):
        kind, _sep, pk = value.partition(":")
        if kind in KINDS and pk.isdigit():
            chosen.append((kind, int(pk)))
    return chosen


def _restore(request: HttpRequest) -> None:
    chosen = _selected(request)
    if not chosen:
        messages.error(request, _("Nothing was selected."))
        return
    restored = 0  # albums first, then articles, then photos: a parent comes back before what it holds
    for kind, pk in sorted(chosen, key=lambda entry: (list(KINDS).index(entry[0]), entry[1])):
        try:
            trash_restore(kind=kind, pk=pk, actor=Actor(request=request, admin=True))
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            restored += 1
    if restored:
        done = ngettext("%(count)d item restored.", "%(count)d items restored.", restored)
        messages.success(request, done % {"count": restored})


def trash(request: HttpRequest) -> HttpResponse:
    """List the trash; restore ticked entries, or empty it after a confirmation (the admin site checks the
    administer capability before this runs)."""
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "restore":
        _restore(request)
        return HttpResponseRedirect(reverse("admin:trash"))
    if action == "empty" and request.POST.get("confirmed") == "1":
        purged = trash_empty(actor=Actor(request=request, admin=True))
        total = sum(purged.values())
        messages.success(
            request,
            ngettext("%(count)d item deleted for good.", "%(count)d items deleted for good.", total)
            % {"count": total},
        )
        return HttpResponseRedirect(reverse("admin:trash"))
    listing = trash_entries()
    keep = datetime.timedelta(days=settings.TRASH_DAYS)
    for entry in listing.entries:
        entry.purge_at = entry.row.deleted_at + keep
    context = {
        **admin.site.each_context(request),
        "title": _("Trash"),
        "entries": listing.entries,
        "total": listing.total,
        "trash_days": settings.TRASH_DAYS,
        "confirm_empty": action == "empty",
    }
    return TemplateResponse(request, "admin/trash.html", context)
