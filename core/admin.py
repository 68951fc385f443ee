"""`AuditedModelAdmin`: sends every admin add, change and delete to the action log, and counts deletes in the
language's plural form ("Удалено: 5 пользователей.", not Django's "Успешно удалены 5 пользователи")."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_counts import objects_count
from core.audit import audit


def _change_details(message) -> dict:
    return {"changes": message} if isinstance(message, list) else {"message": str(message)}


def delete_selected_counted(modeladmin, request: HttpRequest, queryset) -> HttpResponse | None:
    """Django's `delete_selected` (confirmation page, permission and protection checks), reporting the
    deletion with `modeladmin.deleted_message`."""
    if not request.POST.get("post"):
        return delete_selected(modeladmin, request, queryset)
    _objects, _counts, perms_needed, protected = modeladmin.get_deleted_objects(queryset, request)
    if perms_needed or protected:
        return delete_selected(modeladmin, request, queryset)  # Django's refusal page
    count = len(queryset)
    if count:
        modeladmin.log_deletions(request, queryset)
        modeladmin.delete_queryset(request, queryset)
        modeladmin.message_user(request, modeladmin.deleted_message(count), messages.SUCCESS)
    return None


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes also go to the action log."""

    delete_action_description = gettext_lazy("Delete selected %(verbose_name_plural)s")

    def deleted_message(self, count: int) -> str:
        """What the bulk delete says once done."""
        return _("Deleted: %(objects)s.") % {"objects": objects_count(self.opts, count)}

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:  # the confirmation form posts this name back
            description = self.delete_action_description % {
                "verbose_name_plural": self.opts.verbose_name_plural
            }
            actions["delete_selected"] = (delete_selected_counted, "delete_selected", description)
        return actions

    def log_addition(self, request, obj, message):
        audit(request=request, action="admin_add", obj=obj, details=_change_details(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit(request=request, action="admin_change", obj=obj, details=_change_details(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit(request=request, action="admin_delete", obj=obj)
        return super().log_deletions(request, queryset)
