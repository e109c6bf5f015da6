"""Ideas in the admin: moderation actions, the official answer form and
their history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.concurrency import StaleEdit
from civicideas.errors import ServiceError
from ideas import rules, services
from ideas.admin import imports, queue
from ideas.admin.base import (
    Action,
    ModerationActionForm,
    ReadOnlyAdmin,
    admin_link,
    city_of,
    excerpt,
)
from ideas.admin.content.common import (
    CachedChoicesFilter,
    PeopleColumns,
    ReportedFilter,
    moderation_action,
)
from ideas.admin.content.inlines import (
    IdeaImageInline,
    IdeaReportInline,
    ModerationActionInline,
    StatusChangeInline,
)
from ideas.admin.forms import StatusForm
from ideas.models import Idea
from ideas.status import IdeaStatus


@admin.register(Idea)
class IdeaAdmin(PeopleColumns, ReadOnlyAdmin):
    action_form = ModerationActionForm
    actions = ["approve_ideas", "hide_ideas", "restore_ideas", "dismiss_idea_reports"]
    list_display = [
        "title",
        "challenge",
        "status",
        "category",
        "district",
        "support_count",
        "comment_count",
        "report_count",
        "created_at",
    ]
    list_filter = [
        "status",
        ReportedFilter,
        ("challenge", CachedChoicesFilter),
        ("category", CachedChoicesFilter),
        ("district", CachedChoicesFilter),
        "channel",
    ]
    # The challenge, category and district columns are named from their
    # filters' choices (admin_rows), so the rows need no join (issue 17).
    list_select_related: list[str] = []
    # Not shown in the list: the page's query leaves them out (issue 17).
    list_defer = ["body", "search_vector", "hidden_reason"]
    search_fields = ["title"]
    ordering = ["-created_at", "-pk"]
    # Sortable columns: each one's order is read from an index, forwards or
    # backwards (the other direction is the exact reverse: fewest comments
    # first, oldest first among equals), so a sort costs what the default
    # page does at 100,000 ideas (issue 17, docs/performance.md):
    # status: idea_admin_status_idx; supports: idea_admin_supported_idx
    # (the shortlist); comments: idea_admin_discussed_idx ("most
    # discussed"); open reports: idea_admin_reported_idx ("most reported",
    # besides the moderation queue and the "reported" filter); date:
    # idea_city_created_idx. Not sortable, because sorting the city's ideas
    # by them is not a task and each sorted every idea (190-290 ms): the
    # title (the search finds an idea), the challenge, the category and the
    # district (their filters narrow the list instead). An index each would
    # add an entry to every support's and comment's update of the idea.
    sortable_by = ["status", "support_count", "comment_count", "report_count", "created_at"]
    sort_orders = {
        "status": ("status", "-created_at", "-pk"),
        "support_count": ("-support_count", "-created_at", "-pk"),
        "comment_count": ("-comment_count", "-created_at", "-pk"),
        "report_count": ("-report_count", "-created_at", "-pk"),
        "created_at": ("-created_at", "-pk"),
    }
    # Written only by the services, never through a form (the whole page is
    # read-only anyway: see has_change_permission).
    readonly_fields = [
        "status",
        "support_count",
        "comment_count",
        "report_count",
        "author_email",
        "channel",
        "channel_date",
        "entered_by_email",
        "city",
        "search_vector",
        "shuffle_key",
        "hidden_reason",
        "duplicate_link",
        "public_page",
        "created_at",
        "published_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "body", "challenge", "category", "district", "language"]}),
        (gettext_lazy("Location"), {"fields": ["latitude", "longitude"]}),
        (
            gettext_lazy("Status"),
            {"fields": ["status", "hidden_reason", "duplicate_link", "public_page"]},
        ),
        (
            gettext_lazy("Participation"),
            {
                "fields": [
                    "author_email",
                    "channel",
                    "channel_date",
                    "entered_by_email",
                    "support_count",
                    "comment_count",
                    "report_count",
                ]
            },
        ),
        (gettext_lazy("Dates"), {"fields": ["created_at", "published_at", "updated_at"]}),
    ]
    inlines = [IdeaImageInline, StatusChangeInline, ModerationActionInline, IdeaReportInline]

    # --- who sees what

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        # Twin of rules.can_view_idea: evaluators (and anyone who is not a
        # moderator) see public ideas only.
        if not rules.can_moderate(request.user):
            queryset = queryset.public()
        return queryset

    def get_list_display(self, request: HttpRequest) -> list[str]:
        columns = super().get_list_display(request)
        if not rules.can_moderate(request.user):
            columns = [c for c in columns if c != "report_count"]
        return columns

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = super().get_list_filter(request)
        if not rules.can_moderate(request.user):
            filters = [f for f in filters if f is not ReportedFilter]
        return filters

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if request.GET.get("field_name") == "duplicate_of":
            # The autocomplete of the official answer form: an original must
            # be a public idea (of this city, as every queryset here).
            queryset = queryset.public()
        term = search_term.strip()
        if (number := inputs.parse_id(term)) is not None:
            return queryset.filter(pk=number), False
        # Not ideas.search.search_ideas: it finds public ideas only, and
        # moderators look for pending and hidden ones too. A substring of
        # the title, within the city's ideas: back-office use, predictable
        # for the moderator (see docs/search.md for why trigram indexes on
        # ideas_idea do not help under row-level security).
        return super().get_search_results(request, queryset, term)

    # --- displays

    @admin.display(description=gettext_lazy("entered by"))
    def entered_by_email(self, obj: Idea) -> str:
        return obj.entered_by.email if obj.entered_by_id else "-"

    @admin.display(description=gettext_lazy("duplicate of"))
    def duplicate_link(self, obj: Idea) -> str:
        if obj.duplicate_of_id is None:
            return "-"
        return admin_link(obj.duplicate_of)

    @admin.display(description=gettext_lazy("public page"))
    def public_page(self, obj: Idea) -> str:
        try:
            url = reverse("ideas:idea", args=[obj.pk])
        except NoReverseMatch:
            return "-"
        return format_html('<a href="{}">{}</a>', url, url)

    # --- the official answer form, on the change page and on its own page

    def moderation_queue_view(self, request: HttpRequest) -> HttpResponse:
        return queue.moderation_queue_view(request, self)

    def import_upload_view(self, request: HttpRequest) -> HttpResponse:
        return imports.import_upload_view(request, self)

    def import_batch_view(self, request: HttpRequest, batch_id: str) -> HttpResponse:
        return imports.import_batch_view(request, self, batch_id)

    def import_progress_view(self, request: HttpRequest, batch_id: str) -> HttpResponse:
        return imports.import_progress_view(request, self, batch_id)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_upload_view), name="ideas_idea_import"),
            path(
                "import/<str:batch_id>/",
                wrap(self.import_batch_view),
                name="ideas_idea_import_batch",
            ),
            path(
                "import/<str:batch_id>/progress/",
                wrap(self.import_progress_view),
                name="ideas_idea_import_progress",
            ),
            path(
                "moderation/",
                wrap(self.moderation_queue_view),
                name="ideas_moderation_queue",
            ),
            path(
                "<path:object_id>/status/",
                wrap(self.set_status_view),
                name="ideas_idea_set_status",
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Idea | None = None,
    ) -> HttpResponse:
        if obj is not None and rules.can_answer_officially(request.user):
            status_form = StatusForm(idea=obj, admin_site=self.admin_site)
            context["status_form"] = status_form
            context["status_url"] = reverse("admin:ideas_idea_set_status", args=[obj.pk])
            context["media"] = context["media"] + status_form.media
        return super().render_change_form(request, context, add, change, form_url, obj)

    def set_status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        idea = self.get_object(request, unquote(object_id))
        if not rules.can_answer_officially(request.user):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = StatusForm(data, idea=idea, admin_site=self.admin_site)
        if data is not None and form.is_valid():
            status = form.cleaned_data["status"]
            try:
                with city_of(idea):
                    services.idea_set_status(
                        idea=idea,
                        by=request.user,
                        status=status,
                        message=form.cleaned_data["message"],
                        message_translations=form.message_translations(),
                        duplicate_of=form.cleaned_data["duplicate_of"],
                        expected_version=form.cleaned_data["lock_version"],
                    )
            except StaleEdit as error:
                form.add_stale_error(error)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                label = IdeaStatus(status).label
                self.log_change(
                    request, idea, _("Official answer: “%(status)s”.") % {"status": label}
                )
                messages.success(
                    request,
                    _("The idea is now “%(status)s”. Its author and supporters will be notified.")
                    % {"status": label},
                )
                return HttpResponseRedirect(reverse("admin:ideas_idea_change", args=[idea.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change the status of “%(idea)s”") % {"idea": excerpt(idea.title, 60)},
            "subtitle": None,
            "opts": self.opts,
            "original": idea,
            "status_form": form,
            "status_url": request.path,
            "reload_url": reverse("admin:ideas_idea_change", args=[idea.pk]),
            "media": self.media + form.media,
            "has_view_permission": self.has_view_permission(request, idea),
        }
        request.current_app = self.admin_site.name
        status = form.conflict_status if form.errors else 200
        return TemplateResponse(request, "admin/ideas/idea/set_status.html", context, status=status)

    # --- moderation actions (change list and change form)

    approve_ideas = moderation_action(
        Action.APPROVE,
        gettext_lazy("Approve (publish)"),
        gettext_lazy("Approve selected ideas awaiting moderation"),
    )
    hide_ideas = moderation_action(
        Action.HIDE,
        gettext_lazy("Hide (give the reason)"),
        gettext_lazy("Hide selected ideas (give the reason)"),
    )
    restore_ideas = moderation_action(
        Action.RESTORE, gettext_lazy("Restore"), gettext_lazy("Restore selected hidden ideas")
    )
    dismiss_idea_reports = moderation_action(
        Action.DISMISS,
        gettext_lazy("Dismiss the reports"),
        gettext_lazy("Dismiss the reports of selected ideas"),
    )
