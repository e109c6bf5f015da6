from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: City admins see every notification's delivery state and may retry failed
#: ones ("change" is only the retry action: the change form is read-only).
CITY_ADMIN_PERMISSIONS = [
    "notifications.view_notification",
    "notifications.change_notification",
    "notifications.view_digestrun",
]


class NotificationsConfig(AppConfig):
    name = "civicideas.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from civicideas.tenancy.permissions import register_role_permissions
        from civicideas.tenancy.roles import Role

        register_role_permissions(Role.CITY_ADMIN, CITY_ADMIN_PERMISSIONS)

        from civicideas.accounts.personal_data import register
        from civicideas.notifications.personal_data import CONTRIBUTOR

        register(CONTRIBUTOR)
