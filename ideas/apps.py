from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What each city role may see and do in the ideas part of the admin.
#
# Moderation and official answers are not model permissions: ideas, comments
# and their timeline are never edited through a form. Moderators act through
# admin actions, the moderation queue and the "change status" form, which
# check ``ideas.rules.can_moderate`` / ``can_answer_officially`` and call the
# services. The model permissions below only decide which lists and pages
# appear.
_CONTEXT = ["ideas.view_challenge", "ideas.view_category", "ideas.view_district"]

EVALUATOR_PERMISSIONS = [
    *_CONTEXT,
    "ideas.view_idea",
    "ideas.view_ideaimage",
    "ideas.view_statuschange",
]

MODERATOR_PERMISSIONS = [
    *EVALUATOR_PERMISSIONS,
    "ideas.view_comment",
    "ideas.view_report",
    "ideas.view_moderationaction",
]

CITY_ADMIN_PERMISSIONS = [
    *MODERATOR_PERMISSIONS,
    *(
        f"ideas.{verb}_{model}"
        for model in ("challenge", "category", "district", "department")
        for verb in ("add", "change", "delete")
    ),
]


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = _("Ideas")

    def ready(self) -> None:
        from civicideas.notifications.kinds import register
        from civicideas.tenancy.permissions import register_role_permissions
        from civicideas.tenancy.roles import Role
        from ideas import admin_dashboard, notifications

        register_role_permissions(Role.EVALUATOR, EVALUATOR_PERMISSIONS)
        register_role_permissions(Role.MODERATOR, MODERATOR_PERMISSIONS)
        register_role_permissions(Role.CITY_ADMIN, CITY_ADMIN_PERMISSIONS)

        register(*notifications.KINDS)

        from civicideas.accounts import personal_data
        from ideas.personal_data import CONTRIBUTOR

        personal_data.register(CONTRIBUTOR)
        admin_dashboard.register()
