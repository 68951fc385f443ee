"""Deleting from the gallery admin moves to the trash (`gallery.trash`), and the admin says so.

Django's delete pages and messages say "deleted"; these admins keep Django's confirmation pages (with a note
that the items go to the trash) and answer "moved to the trash" with the right plural. The deletes themselves
are each admin's `delete_model` / `delete_queryset`, which call the gallery services.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_counts import objects_count


@admin.action(
    permissions=["delete"], description=gettext_lazy("Move selected %(verbose_name_plural)s to the trash")
)
def trash_selected(modeladmin, request: HttpRequest, queryset) -> HttpResponse | None:
    """Django's `delete_selected` (confirmation page, permission and protection checks), then the trash."""
    if not request.POST.get("post"):
        return delete_selected(modeladmin, request, queryset)
    _objects, _counts, perms_needed, protected = modeladmin.get_deleted_objects(queryset, request)
    if perms_needed or protected:
        return delete_selected(modeladmin, request, queryset)  # Django's refusal page
    count = len(queryset)
    if count:
        modeladmin.log_deletions(request, queryset)
        modeladmin.delete_queryset(request, queryset)
        words = objects_count(modeladmin.opts, count)
        modeladmin.message_user(request, _("Moved to the trash: %(objects)s.") % {"objects": words})
    return None


class TrashingAdmin(admin.ModelAdmin):
    """Mixin of the gallery admins whose deletes go to the trash."""

    delete_confirmation_template = "admin/gallery/trash_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/gallery/trash_delete_selected_confirmation.html"

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:  # the confirmation form posts this name back
            actions["delete_selected"] = (
                trash_selected,
                "delete_selected",
                trash_selected.short_description % {"verbose_name_plural": self.opts.verbose_name_plural},
            )
        return actions

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id) -> HttpResponse:
        message = _("“%(object)s” is in the trash: an administrator can restore it from the Trash page.")
        self.message_user(request, message % {"object": obj_display}, messages.SUCCESS)
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.admin_site.name))
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        filters = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return HttpResponseRedirect(add_preserved_filters(filters, url))
