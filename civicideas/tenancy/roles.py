"""The roles a person can hold in a city."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    MODERATOR = "moderator", _("Moderator")
    EVALUATOR = "evaluator", _("Evaluator")
    CITY_ADMIN = "city_admin", _("City administrator")


#: Roles that open the city's Django admin.
STAFF_ROLES = frozenset({Role.MODERATOR, Role.EVALUATOR, Role.CITY_ADMIN})
