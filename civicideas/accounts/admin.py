from django.contrib import admin
from django.http import HttpRequest

from civicideas.accounts.models import Profile, User
from civicideas.accounts.services import user_delete, user_set_active
from civicideas.tenancy.admin_mixins import CityScopedAdmin
from civicideas.text import VisibleTextAdminMixin


@admin.register(User)
class UserAdmin(VisibleTextAdminMixin, admin.ModelAdmin):
    """Accounts are global: only platform superusers on the platform host
    see them. City admins manage people through memberships."""

    list_display = ["email", "is_active", "is_superuser", "date_joined"]
    list_filter = ["is_active", "is_superuser"]
    search_fields = ["email"]
    ordering = ["email"]
    fields = ["email", "is_active", "is_superuser", "date_joined", "last_login"]
    readonly_fields = ["date_joined", "last_login"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return getattr(request, "is_platform", False) and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # Through the service: deactivating revokes the account's API tokens.
            user_set_active(user=obj, active=obj.is_active)

    def delete_model(self, request: HttpRequest, obj) -> None:
        user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for user in queryset:
            user_delete(user=user)


@admin.register(Profile)
class ProfileAdmin(CityScopedAdmin):
    list_display = ["display_name", "district", "preferred_language", "created_at"]
    search_fields = ["display_name"]
    readonly_fields = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Profiles are created on first participation (profile_ensure); the
        # form has no user to attach a new one to.
        return False
