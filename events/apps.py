from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Moderators and city admins run the city's events: they create and edit
# them, see the registrations and mark attendance. Cancelling an event and
# marking attendance are services (``events.services``) that check
# ``events.rules.is_event_staff``; the permissions only decide what the admin
# shows.
STAFF_PERMISSIONS = [
    "events.view_event",
    "events.add_event",
    "events.change_event",
    "events.view_registration",
    "events.change_registration",
]


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from civicideas.accounts import personal_data
        from civicideas.notifications.kinds import register
        from civicideas.tenancy.permissions import register_role_permissions
        from civicideas.tenancy.roles import Role
        from events import notifications
        from events.personal_data import CONTRIBUTOR

        for role in (Role.MODERATOR, Role.CITY_ADMIN):
            register_role_permissions(role, STAFF_PERMISSIONS)
        register(*notifications.KINDS)
        from civicideas.notifications.kinds import register_audience
        from events.models import Registration

        register_audience(
            notifications.REGISTRANT,
            lambda user: Registration.objects.filter(user_id=user.pk).exists(),
        )
        personal_data.register(CONTRIBUTOR)
