from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: What a city admin may do with projects in the admin; the rules themselves
#: (``projects.rules``) are checked again by the services.
CITY_ADMIN_PERMISSIONS = [
    f"projects.{action}_{model}"
    for model in ("project", "milestone", "projectupdate")
    for action in ("view", "add", "change", "delete")
]


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("City projects")

    def ready(self) -> None:
        from civicideas.notifications.kinds import register
        from civicideas.tenancy.permissions import register_role_permissions
        from civicideas.tenancy.roles import Role
        from projects import notifications

        register_role_permissions(Role.CITY_ADMIN, CITY_ADMIN_PERMISSIONS)
        register(*notifications.KINDS)

        from civicideas.accounts import personal_data
        from projects.personal_data import CONTRIBUTOR

        personal_data.register(CONTRIBUTOR)
