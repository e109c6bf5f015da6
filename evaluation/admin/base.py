"""Building blocks of the evaluation admin."""

from __future__ import annotations

from django.http import HttpRequest

from civicideas.tenancy.admin_mixins import CityObjectAdmin
from evaluation import rules


class EvaluationAdmin(CityObjectAdmin):
    """Base of every evaluation admin: 404 for "missing" and "not this
    city's" alike (``CityObjectAdmin``), and the platform host (all cities)
    shows the lists read-only, since the services act in one city."""

    def is_city_admin(self, request: HttpRequest) -> bool:
        return rules.can_manage_evaluation(request.user)
