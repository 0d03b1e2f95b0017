from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mercator.core.models import AuditEntry, IdempotencyRecord, User, WorkerHeartbeat

admin.site.site_header = _("Mercator 平台后台")
admin.site.site_title = _("Mercator 平台后台")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("个人信息"), {"fields": ("display_name", "phone", "preferred_language")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "display_name", "password1", "password2")}),)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody edits by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "person", "company_ref", "action", "target"]
    list_filter = ["action"]
    search_fields = ["target", "company_ref", "person__email"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "method", "path", "status_code", "expires_at"]
    exclude = ["body"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "beat_at"]
