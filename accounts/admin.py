from django.contrib import admin

from accounts.models import ActionLog


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action", "created_at"]
    search_fields = ["username", "object_repr", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
