from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What each city role may see in the evaluation part of the admin. The model
# permissions only decide which lists and pages appear; every change goes
# through ``evaluation.services``, which checks ``evaluation.rules``, and the
# admin narrows each evaluator's lists to their own rows.
EVALUATOR_PERMISSIONS = [
    "evaluation.view_assignment",
    "evaluation.view_scorecard",
    "evaluation.view_conflictofinterest",
    "evaluation.add_conflictofinterest",
]

CITY_ADMIN_PERMISSIONS = [
    *EVALUATOR_PERMISSIONS,
    "evaluation.view_rubric",
    "evaluation.add_rubric",
    "evaluation.change_rubric",
    "evaluation.delete_rubric",
    "evaluation.view_criterion",
    "evaluation.add_criterion",
    "evaluation.change_criterion",
    "evaluation.delete_criterion",
    "evaluation.view_challengeevaluation",
    "evaluation.add_challengeevaluation",
    "evaluation.change_challengeevaluation",
    "evaluation.add_assignment",
    "evaluation.change_assignment",
    "evaluation.delete_assignment",
    "evaluation.view_evaluationauditlog",
]


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        from civicideas.notifications.kinds import register
        from civicideas.tenancy.permissions import register_role_permissions
        from civicideas.tenancy.roles import Role
        from evaluation import admin_dashboard, notifications

        register_role_permissions(Role.EVALUATOR, EVALUATOR_PERMISSIONS)
        register_role_permissions(Role.CITY_ADMIN, CITY_ADMIN_PERMISSIONS)

        register(*notifications.KINDS)

        from civicideas.accounts import personal_data
        from evaluation.personal_data import CONTRIBUTOR

        personal_data.register(CONTRIBUTOR)
        admin_dashboard.register()
