"""The Django admin, per city.

On a city's host the admin shows that city only: its staff get in through
their roles (``User.is_staff``), and every tenant model's default manager is
already scoped to the city. On the platform host only superusers get in, and
their views run in ``all_cities_context`` so they can manage every city.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models import Model, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.utils.translation import gettext_lazy as _

from civicideas.accounts.rules import signed_in
from civicideas.tenancy import admin_nav
from civicideas.tenancy.admin_dashboard import dashboard, note_action
from civicideas.tenancy.context import all_cities_context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: How many of the user's own log entries the index looks through.
RECENT_ACTIONS_SCANNED = 50
RECENT_ACTIONS_SHOWN = 10


def plan_for_values() -> None:
    """Plan the rest of this transaction's statements for their values.

    With prepared statements (``DATABASE_SERVER_SIDE_BINDING``) PostgreSQL
    may switch a statement to a generic plan, made without the values. The
    admin lists filter a city's rows by challenge, category, district or
    status, whose shares differ by orders of magnitude between cities and
    values: for the idea list filtered by a district of the 100,000-idea
    city, the generic plan read all 8,333 of the district's ideas and
    sorted them (18 ms) where the plan for the value reads 50 from an
    index (under 1 ms; issue 17). The admin is a small share of requests,
    so planning each of its statements costs little; the public pages,
    whose queries have few shapes and many executions, keep generic plans.
    Outside a transaction (``SET LOCAL`` would not last) nothing is done."""
    from django.db import connection

    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return  # no prepared statements: every plan is for its values
    if not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")


class CityAdminSite(admin.AdminSite):
    site_title = _("civicideas administration")
    index_title = _("Back office")
    index_template = "admin/civicideas_index.html"

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        city = getattr(request, "city", None)
        # Header and page title both name the city, so a civil servant with
        # roles in two cities (two tabs) always knows which one they change.
        if city is not None:
            context["site_header"] = _("%(city)s — civicideas") % {"city": city.name}
            context["site_title"] = _("%(city)s administration") % {"city": city.name}
        else:
            context["site_header"] = _("civicideas platform — all cities")
            context["site_title"] = _("civicideas platform administration")
        context["admin_city"] = city
        return context

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        """Django's list, built once per viewer kind (roles, language:
        ``admin_nav``); every admin page asks for it."""
        return admin_nav.app_list(
            request, app_label, lambda: super(CityAdminSite, self).get_app_list(request, app_label)
        )

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = {
            "recent_actions": self.recent_actions(request),
            "dashboard": dashboard(self, request),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def recent_actions(self, request: HttpRequest) -> list[LogEntry]:
        """The user's recent admin actions on objects of the current city.

        Django's admin log is one global table without a city, and its
        "Recent actions" box lists everything the user did anywhere: for a
        civil servant with roles in two cities it would show the other city's
        object names (people's email addresses) on this city's index. Here an
        entry is kept only when its object is still visible through its
        admin's (city-scoped) queryset; deletions cannot be placed in a city
        and are left out. Two queries, whatever the entries (``_visible``).
        """
        user = request.user
        if not signed_in(user):
            return []
        entries = list(
            LogEntry.objects.filter(user_id=user.pk)
            .select_related("content_type")
            .order_by("-action_time")[:RECENT_ACTIONS_SCANNED]
        )
        if getattr(request, "is_platform", False):
            return entries[:RECENT_ACTIONS_SHOWN]
        wanted: dict[type[Model], set[str]] = defaultdict(set)
        for entry in entries:
            model = entry.content_type.model_class() if entry.content_type else None
            if model is not None and entry.object_id is not None and not entry.is_deletion():
                wanted[model].add(entry.object_id)
        visible = self._visible(request, wanted)
        return [
            entry
            for entry in entries
            if entry.content_type and (entry.content_type.model_class(), entry.object_id) in visible
        ][:RECENT_ACTIONS_SHOWN]

    def _visible(
        self, request: HttpRequest, wanted: dict[type[Model], set[str]]
    ) -> set[tuple[type[Model], str]]:
        """Which of the ``wanted`` objects each model's admin shows here, in
        one query: one ``SELECT`` per model (through its admin's queryset)
        joined by ``UNION ALL``. A query per model had the index's query
        count grow with the kinds of objects a civil servant had changed
        (issue 17). A queryset that cannot take part in a union (already
        combined, sliced or distinct) is read on its own."""
        parts: list[QuerySet] = []
        by_label: dict[str, type[Model]] = {}
        visible: set[tuple[type[Model], str]] = set()
        for model, object_ids in wanted.items():
            model_admin = self._registry.get(model)
            if model_admin is None or not model_admin.has_view_or_change_permission(request):
                continue
            rows = model_admin.get_queryset(request).filter(pk__in=object_ids)
            query = rows.query
            if query.combinator or query.is_sliced or query.distinct:
                visible |= {(model, str(pk)) for pk in rows.values_list("pk", flat=True)}
                continue
            label = model._meta.label_lower
            by_label[label] = model
            parts.append(
                rows.order_by()
                .annotate(log_model=Value(label), log_pk=Cast("pk", TextField()))
                .values_list("log_model", "log_pk")
            )
        if parts:
            union = parts[0].union(*parts[1:], all=True).order_by() if parts[1:] else parts[0]
            visible |= {(by_label[label], pk) for label, pk in union}
        return visible

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if getattr(request, "is_platform", False):
            return user.is_active and user.is_superuser
        return user.is_active and user.is_staff

    def admin_view[V: Callable[..., HttpResponseBase]](self, view: V, cacheable: bool = False) -> V:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            plan_for_values()
            if getattr(request, "is_platform", False) and request.user.is_superuser:
                with all_cities_context():
                    response = inner(request, *args, **kwargs)
                    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                        response.render()
                    return response
            response = inner(request, *args, **kwargs)
            if request.method not in SAFE_METHODS and signed_in(request.user):
                # The dashboard's kept counts give way to this person's change.
                note_action(request)
            return response

        return cast("V", wrapper)  # ``wraps`` gave it the view's signature

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # allauth's login (rate limits, verification) in front of the admin.
        from allauth.account.decorators import secure_admin_login

        return secure_admin_login(super().login)(request, extra_context)
