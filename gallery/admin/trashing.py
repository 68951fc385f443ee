"""Deleting from the gallery admin moves to the trash (`gallery.trash`), and the admin says so.

Django's delete pages and messages say "deleted"; these admins keep Django's confirmation pages (with a note
that the items go to the trash), name the bulk action "Move selected … to the trash" and report it with the
right plural. The deletes themselves are each admin's `delete_model` / `delete_queryset` (gallery services).
"""

from django.contrib import messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import AuditedModelAdmin
from core.admin_counts import objects_count


class TrashingAdmin(AuditedModelAdmin):
    """The gallery admins whose deletes go to the trash."""

    delete_confirmation_template = "admin/gallery/trash_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/gallery/trash_delete_selected_confirmation.html"
    delete_action_description = gettext_lazy("Move selected %(verbose_name_plural)s to the trash")

    def deleted_message(self, count: int) -> str:
        return _("Moved to the trash: %(objects)s.") % {"objects": objects_count(self.opts, count)}

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id) -> HttpResponse:
        message = _("“%(object)s” is in the trash: an administrator can restore it from the Trash page.")
        self.message_user(request, message % {"object": obj_display}, messages.SUCCESS)
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.admin_site.name))
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        filters = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return HttpResponseRedirect(add_preserved_filters(filters, url))
