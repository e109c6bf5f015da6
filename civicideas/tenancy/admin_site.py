"""The Django admin, per city.

On a city's host the admin shows that city only: its staff get in through
their roles (``User.is_staff``), and every tenant model's default manager is
already scoped to the city. On the platform host only superusers get in, and
their views run in ``all_cities_context`` so they can manage every city.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.context import all_cities_context


class CityAdminSite(admin.AdminSite):
    site_title = _("civicideas administration")
    index_title = _("Back office")

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        city = getattr(request, "city", None)
        if city is not None:
            context["site_header"] = _("%(city)s — civicideas") % {"city": city.name}
        else:
            context["site_header"] = _("civicideas platform — all cities")
        context["admin_city"] = city
        return context

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if getattr(request, "is_platform", False):
            return user.is_active and user.is_superuser
        return user.is_active and user.is_staff

    def admin_view(self, view, cacheable: bool = False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if getattr(request, "is_platform", False) and request.user.is_superuser:
                with all_cities_context():
                    response = inner(request, *args, **kwargs)
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()
                    return response
            return inner(request, *args, **kwargs)

        return wrapper

    def login(self, request: HttpRequest, extra_context: dict | None = None):
        # allauth's login (rate limits, verification) in front of the admin.
        from allauth.account.decorators import secure_admin_login

        return secure_admin_login(super().login)(request, extra_context)
