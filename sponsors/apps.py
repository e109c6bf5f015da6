from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The back office of sponsors is the city admins' (facilitators'): they see
# groups, initiatives, sponsors, offers and the fund. Approving, verifying,
# introducing and the fund's settings are rules (``sponsors.rules``) checked
# by the services; the permissions only decide which lists appear.
_VIEW = [
    f"sponsors.view_{model}"
    for model in (
        "communitygroup",
        "initiative",
        "sponsor",
        "offer",
        "introduction",
        "matchfund",
        "matchpledge",
    )
]
CITY_ADMIN_PERMISSIONS = [
    *_VIEW,
    "sponsors.change_communitygroup",
    "sponsors.add_matchfund",
    "sponsors.change_matchfund",
]


class SponsorsConfig(AppConfig):
    name = "sponsors"
    verbose_name = _("Sponsors and initiatives")

    def ready(self) -> None:
        from civicideas.notifications.kinds import register
        from civicideas.tenancy.permissions import register_role_permissions
        from civicideas.tenancy.roles import Role
        from sponsors import admin_dashboard, notifications

        register_role_permissions(Role.CITY_ADMIN, CITY_ADMIN_PERMISSIONS)

        register(*notifications.KINDS)

        from civicideas.accounts import personal_data
        from sponsors.personal_data import CONTRIBUTOR

        personal_data.register(CONTRIBUTOR)

        from civicideas.accounts import profile_links
        from sponsors.profile_links import links_for

        profile_links.register("sponsors", links_for)
        admin_dashboard.register()
        from civicideas.notifications.kinds import register_audience
        from sponsors.models import GroupMembership, Offer, SponsorMembership

        register_audience(
            notifications.SPONSOR_MEMBER,
            lambda user: SponsorMembership.objects.filter(user_id=user.pk).exists(),
        )
        register_audience(
            notifications.GROUP_MEMBER,
            lambda user: GroupMembership.objects.filter(user_id=user.pk).exists(),
        )
        register_audience(
            notifications.VOLUNTEER,
            lambda user: Offer.objects.filter(made_by_id=user.pk, sponsor__isnull=True).exists(),
        )
