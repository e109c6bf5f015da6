"""Admin building blocks every tenant model's admin uses: the city-scoped
base (``CityScopedAdmin``), the same 404 for a missing object and another
city's (``CityObjectAdmin``), read-only admins and inlines
(``ReadOnlyAdminMixin``), and admin actions that run a service per object
(``run_bulk``, at most ``MAX_BULK``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.checks import ModelAdminChecks
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.cache import cache
from django.core.checks import CheckMessage
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from civicideas.errors import ServiceError
from civicideas.inputs import parse_id, parse_ids
from civicideas.tenancy import admin_pages
from civicideas.tenancy.admin_rows import plain_checkbox
from civicideas.tenancy.admin_sorts import SortedAdminMixin
from civicideas.tenancy.context import current_city, current_city_or_none
from civicideas.tenancy.models import CityLink
from civicideas.text import VisibleTextAdminMixin


def _is_city_link(db_field: models.Field) -> bool:
    through = getattr(db_field.remote_field, "through", None)
    return isinstance(through, type) and issubclass(through, CityLink)


class CityLinkAdminChecks(ModelAdminChecks):
    """Django's admin refuses many-to-many fields with an explicit through
    model (admin.E013), because such a model usually has columns a form
    cannot fill. A ``CityLink`` has none: the database fills its city."""

    # The stubs leave out this private check of BaseModelAdminChecks.
    def _check_field_spec_item(
        self, obj: admin.ModelAdmin, field_name: str, label: str
    ) -> list[CheckMessage]:
        try:
            field = obj.model._meta.get_field(field_name)
        except FieldDoesNotExist:
            return super()._check_field_spec_item(obj, field_name, label)  # type: ignore[misc]
        if isinstance(field, models.ManyToManyField) and _is_city_link(field):
            return []
        return super()._check_field_spec_item(obj, field_name, label)  # type: ignore[misc]


#: Seconds an admin list's total is reused (``CachedCountPaginator``).
ADMIN_COUNT_SECONDS = 30


class CachedCountPaginator(Paginator):
    """The change list's total, counted at most once per ``ADMIN_COUNT_SECONDS``
    for the same city and query. At 100,000 ideas a ``COUNT(*)`` costs more
    than the page it numbers; the rows themselves are always read fresh, so
    only the number of pages can be half a minute old (issue 17)."""

    def __init__(self, *args: Any, defer: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Columns the page's rows leave out (``CityScopedAdmin.list_defer``).
        self.defer = tuple(defer)

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = _count_key_query(query).sql_with_params()
        except Exception:  # noqa: BLE001 - an empty IN list and such: count it plainly
            return super().count
        city = current_city_or_none()
        digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:32]
        key = f"admin-count:{city.pk if city else 'all'}:{digest}"
        total = cache.get(key)
        if total is None:
            total = super().count
            cache.set(key, total, ADMIN_COUNT_SECONDS)
        return total

    def page(self, number: Any) -> Page:
        """The page's rows chosen on their ids alone, then read whole: ``pk
        IN (SELECT pk … ORDER BY … LIMIT 100 OFFSET n)``. Sorted by a column
        no index serves (title, status, counts, a related name) or searched,
        PostgreSQL otherwise joined and sorted the wide rows (body, search
        vector, the related rows) of every matching idea to keep a page:
        four to fifteen times slower at 100,000 ideas (issue 17,
        docs/performance.md). One query either way;
        the outer one repeats the filters, sorts 100 rows and reads them by
        primary key. Querysets this cannot rewrite faithfully (DISTINCT,
        UNION, GROUP BY, already sliced) are paged as Django does."""
        queryset: Any = self.object_list
        if not _late_rows_apply(queryset):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = queryset.values("pk")[bottom:top]
        rows = queryset.filter(pk__in=ids)
        if self.defer:
            rows = rows.defer(*self.defer)
        return Page(rows, number, self)


def _count_key_query(query: Any) -> Any:
    """The query whose SQL keys a list's total: without its ordering and
    ``select_related`` joins, which change the rows' order and width but
    not their number (Django's ``count()`` leaves them out too). A third of
    the compilation of the whole query at 100,000 ideas, and one total for
    every sort of the same filters (issue 17). A DISTINCT query keeps both:
    its ORDER BY columns can take part in what is distinct."""
    if query.distinct or query.combinator or query.is_sliced:
        return query
    reduced = query.chain()
    reduced.clear_ordering(force=True)
    reduced.select_related = False
    return reduced


def _late_rows_apply(queryset: Any) -> bool:
    if not isinstance(queryset, QuerySet):
        return False
    query = queryset.query
    return not (
        query.distinct
        or query.combinator
        or query.group_by is not None
        or query.is_sliced
        or getattr(queryset, "_fields", None) is not None  # values(): not models
    )


class IdsAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """Django's autocomplete, redrawn after a refused post with only the
    chosen values that are ids: it looks them up to show their names, and a
    hostile value ("①") would make that lookup fail (a 500 instead of the
    form's error)."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        ids = [v for v in value if parse_id(str(v)) is not None]
        return super().optgroups(name, ids, attr)


class CityScopedAdmin(SortedAdminMixin, VisibleTextAdminMixin, admin.ModelAdmin):
    """Admin for a tenant model.

    The queryset needs no extra filter: the model's default manager is scoped
    to the current city, so lists, change views, filters and autocompletes
    never see another city. New objects get the current city; the ``city``
    field itself is never editable. On the platform host (all cities) the
    city is shown as a column and filter instead. Many-to-many fields through
    a ``CityLink`` are edited like ordinary ones.
    """

    checks_class = CityLinkAdminChecks
    # Issue 17: no second COUNT(*) of the unfiltered list ("… of 100,000 total"),
    # and the filtered total from a short-lived cache.
    show_full_result_count = False
    paginator = CachedCountPaginator
    # 50 rows a page, as the moderation queue and the ranking: rendering the
    # rows is most of a change list's time (the idea list's query took 3 of
    # its 65 ms at 100,000 ideas, the rest was 100 rows x 9 columns; issue
    # 17), and 50 rows fill more than a screen. "Show all" still lists 200.
    list_per_page = 50

    #: Columns a change list's rows do not show, left out of the page's
    #: query (long texts, search vectors; also of ``list_select_related``
    #: rows: ``"idea__body"``). Only the displayed page's rows are deferred,
    #: never the objects an action receives.
    list_defer: Sequence[str] = ()

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> Paginator:
        # The history page pages its log entries through here too: the
        # model's columns are not theirs.
        defer = self.list_defer if queryset.model is self.model else ()
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, defer=defer)

    @plain_checkbox
    def action_checkbox(self, obj: Any) -> SafeString:
        """Django's row checkbox, written directly: Django renders a
        ``CheckboxInput`` through the form template engine for every row
        (a tenth of a change list's rendering). Same markup: the actions
        script finds it by its class and name."""
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if not _is_city_link(db_field):
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        # Django's admin returns None for any explicit through model (see
        # CityLinkAdminChecks); build the field as it would for an
        # auto-created one. The queryset is the target's scoped manager.
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            # As Django does for its own many-to-many fields: a search box
            # that loads choices on demand, never every row in the page.
            kwargs["widget"] = IdsAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        # A many-to-many field's form field is a ModelMultipleChoiceField; the
        # stubs type every model field's as a plain Field.
        return db_field.formfield(**kwargs)  # type: ignore[return-value]

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        """Django's, worked out once per request and place of the bar: a
        change list asks three times (the checkbox column, the action bar,
        the selection note), each filtering every action by permission.
        (Django passes ``action_location`` only to a method that names it.)"""
        memo = request.__dict__.setdefault("_admin_actions", {})
        key = (type(self), action_location)
        if key not in memo:
            memo[key] = super().get_actions(request, action_location=action_location)
        return dict(memo[key])

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The page kept whole by content when it can say what it shows
        # (issue 17; ``admin_pages``).
        response = super().changelist_view(request, extra_context)
        return admin_pages.kept_change_list(request, response)

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = list(super().get_list_display(request))
        if getattr(request, "is_platform", False):
            columns.append("city")
        return columns

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = list(super().get_list_filter(request))
        if getattr(request, "is_platform", False):
            filters.append("city")
        return filters

    def has_add_permission(self, request: HttpRequest) -> bool:
        # On the platform host no city is current, so a new object would have
        # no city to belong to (the ``city`` field is not editable). Tenant
        # objects are created in their own city's admin.
        if getattr(request, "is_platform", False):
            return False
        return super().has_add_permission(request)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        if not change and obj.city_id is None:
            obj.city = current_city()
        super().save_model(request, obj, form, change)


#: Most objects one admin action or bulk request changes: each goes through
#: its own service call (locks, audit log, notifications), so "select all
#: 80,000" must not run in one request.
MAX_BULK = 100


class CityObjectAdmin(CityScopedAdmin):
    """Base of the apps' admins (ideas, evaluation, sponsors).

    ``get_object`` answers 404 when the object does not exist *or* belongs
    to another city (the scoped manager cannot see it): Django's default, a
    redirect with "doesn't exist", would still differ from a 403 and tell a
    curious staff member which ids are taken.
    """

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> models.Model:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> Any:
        """An action posted with a selected id that is not one ("abc", a
        NUL byte) does nothing and says so, instead of the 500 Django's
        ``filter(pk__in=...)`` would raise; one bad id spoils the selection
        (``civicideas.inputs.parse_ids``)."""
        raw = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if raw and parse_ids(raw) is None:
            self.message_user(
                request,
                _("The selection holds something that is not an id; nothing was done."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, *args, **kwargs)


class ReadOnlyAdminMixin:
    """Records written only by the services: the admin (or an inline) shows
    them and changes nothing. Put it before the admin class it restricts."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def run_bulk(
    request: HttpRequest,
    queryset: QuerySet[Any] | Sequence[Any],
    call: Callable[[Any], object],
    done: str,
) -> None:
    """An admin action's loop: ``call(obj)`` (a service) for at most
    ``MAX_BULK`` of the selected objects, each in its own transaction, so one
    refused object (``ServiceError``) does not undo the others. ``done`` is
    the success message with ``%(n)d`` for the count; each refusal is shown
    with its object."""
    count, refusals = 0, []
    for obj in queryset[:MAX_BULK]:
        try:
            call(obj)
            count += 1
        except ServiceError as error:
            refusals.append(f"{obj}: {error.message}")
    if count:
        messages.success(request, done % {"n": count})
    for refusal in refusals:
        messages.error(request, refusal)
