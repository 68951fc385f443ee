"""`AuditedModelAdmin`: sends every admin add, change and delete to the action log."""

from django.contrib import admin

from core.audit import audit


def _change_details(message) -> dict:
    return {"changes": message} if isinstance(message, list) else {"message": str(message)}


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes also go to the action log."""

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
