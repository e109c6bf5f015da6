"""Ideas, comments, reports and their history in the admin.

Nothing here is edited through a model form: citizens write ideas and
comments, the services write statuses, counters, reports and the logs.
Moderators act through admin actions (change list and change form), the
moderation queue and the official answer form, all of which call
``ideas.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.concurrency import StaleEdit
from civicideas.errors import ServiceError
from civicideas.tenancy.admin_mixins import MAX_BULK
from ideas import rules, services
from ideas.admin.base import (
    Action,
    ModerationActionForm,
    ReadOnlyAdmin,
    ReadOnlyInline,
    action_reason,
    admin_link,
    apply_moderation,
    city_of,
    excerpt,
)
from ideas.admin.forms import StatusForm
from ideas.models import Comment, Idea, IdeaImage, ModerationAction, Report, StatusChange
from ideas.status import PUBLIC_STATUSES, IdeaStatus

BOTH = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def moderation_action(action: str, description: Promise, description_plural: Promise) -> Any:
    """An admin action (change list and change form) that runs one
    moderation action on each selected idea or comment through its service,
    with the reason typed in the action bar, at most ``MAX_BULK`` at once."""

    @admin.action(
        permissions=["moderate"],
        description=description,
        description_plural=description_plural,
        location=BOTH,
    )
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        apply_moderation(
            request,
            queryset.order_by("pk")[: MAX_BULK + 1],
            action=action,
            reason=action_reason(request),
        )

    return run


class ReportedFilter(admin.SimpleListFilter):
    """Content with open reports (read from the reports themselves, not the
    counter, so the filter and the moderation queue always agree)."""

    title = gettext_lazy("open reports")
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Reported")), ("no", _("Not reported"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        target = "idea" if queryset.model is Idea else "comment"
        open_reports = Exists(
            Report.objects.filter(state=Report.State.OPEN, **{target: OuterRef("pk")})
        )
        if self.value() == "yes":
            return queryset.filter(open_reports)
        if self.value() == "no":
            return queryset.exclude(open_reports)
        return queryset


class PeopleColumns:
    """People as plain text. A read-only foreign key would link to the
    user's admin page, which only platform superusers may open."""

    @admin.display(description=gettext_lazy("author"))
    def author_email(self, obj: Any) -> str:
        return obj.author.email

    @admin.display(description=gettext_lazy("changed by"))
    def changed_by_email(self, obj: StatusChange) -> str:
        return obj.changed_by.email

    @admin.display(description=gettext_lazy("moderator"))
    def moderator_or_auto(self, obj: ModerationAction) -> str:
        return obj.moderator.email if obj.moderator_id else _("automatic")

    @admin.display(description=gettext_lazy("reported by"))
    def reporter_email(self, obj: Any) -> str:
        return obj.reporter.email


# --- inlines: the history of one idea or comment, read-only ------------------


class IdeaImageInline(ReadOnlyInline):
    model = IdeaImage
    fields = ["preview", "alt_text", "width", "height"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("image"))
    def preview(self, obj: IdeaImage) -> str:
        if not obj.image:
            return "-"
        return format_html('<img src="{}" alt="{}" height="120">', obj.image.url, obj.alt_text)


class StatusChangeInline(PeopleColumns, ReadOnlyInline):
    model = StatusChange
    verbose_name_plural = gettext_lazy("status timeline")
    fields = [
        "created_at",
        "from_status",
        "to_status",
        "changed_by_email",
        "is_official",
        "message",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("changed_by")
        if not rules.can_moderate(request.user):
            queryset = queryset.filter(is_public=True)
        return queryset


class ModerationActionInline(PeopleColumns, ReadOnlyInline):
    model = ModerationAction
    verbose_name_plural = gettext_lazy("moderation log")
    fields = ["created_at", "action", "moderator_or_auto", "reason"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("moderator")


class ReportInline(PeopleColumns, ReadOnlyInline):
    model = Report
    fields = ["created_at", "state", "reporter_email", "reason"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("reporter")


class CommentReportInline(ReportInline):
    fk_name = "comment"


class IdeaReportInline(ReportInline):
    fk_name = "idea"


# --- ideas ---------------------------------------------------------------------


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
    list_filter = ["status", ReportedFilter, "challenge", "category", "district"]
    list_select_related = ["challenge", "category", "district"]
    search_fields = ["title"]
    ordering = ["-created_at", "-pk"]
    # Written only by the services, never through a form (the whole page is
    # read-only anyway: see has_change_permission).
    readonly_fields = [
        "status",
        "support_count",
        "comment_count",
        "report_count",
        "author_email",
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
            {"fields": ["author_email", "support_count", "comment_count", "report_count"]},
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
        from ideas.admin.queue import moderation_queue_view

        return moderation_queue_view(request, self)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
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


# --- comments --------------------------------------------------------------------


@admin.register(Comment)
class CommentAdmin(PeopleColumns, ReadOnlyAdmin):
    action_form = ModerationActionForm
    actions = ["hide_comments", "restore_comments", "dismiss_comment_reports"]
    list_display = ["text", "idea_link", "author_email", "state", "report_count", "created_at"]
    list_filter = ["state", ReportedFilter, "idea__challenge"]
    list_select_related = ["idea", "author"]
    search_fields = ["body"]
    ordering = ["-created_at", "-pk"]
    fields = [
        "body",
        "idea_link",
        "parent",
        "author_email",
        "state",
        "hidden_reason",
        "report_count",
        "created_at",
        "edited_at",
    ]
    readonly_fields = fields
    inlines = [ModerationActionInline, CommentReportInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if (number := inputs.parse_id(term)) is not None:
            # A number is a comment's or an idea's id (the moderator copies
            # it from a report); text search scans the city's comments.
            return queryset.filter(pk=number) | queryset.filter(idea_id=number), False
        return super().get_search_results(request, queryset, term)

    @admin.display(description=gettext_lazy("comment"))
    def text(self, obj: Comment) -> str:
        return excerpt(obj.body, 80)

    @admin.display(description=gettext_lazy("idea"), ordering="idea__title")
    def idea_link(self, obj: Comment) -> str:
        return admin_link(obj.idea)

    hide_comments = moderation_action(
        Action.HIDE,
        gettext_lazy("Hide (give the reason)"),
        gettext_lazy("Hide selected comments (give the reason)"),
    )
    restore_comments = moderation_action(
        Action.RESTORE, gettext_lazy("Restore"), gettext_lazy("Restore selected hidden comments")
    )
    dismiss_comment_reports = moderation_action(
        Action.DISMISS,
        gettext_lazy("Dismiss the reports"),
        gettext_lazy("Dismiss the reports of selected comments"),
    )


# --- reports and logs: read-only lists -----------------------------------------


def _target_link(obj: Report | ModerationAction) -> str:
    if obj.comment_id is not None:
        return admin_link(obj.comment, excerpt(obj.comment.body, 60))
    if obj.idea_id is not None:
        return admin_link(obj.idea)
    return "-"


@admin.register(Report)
class ReportAdmin(PeopleColumns, ReadOnlyAdmin):
    list_display = ["created_at", "target", "short_reason", "reporter_email", "state"]
    list_filter = ["state"]
    list_select_related = ["idea", "comment", "reporter"]
    ordering = ["-created_at", "-pk"]
    fields = ["created_at", "target", "reason", "reporter_email", "state"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("reported content"))
    def target(self, obj: Report) -> str:
        return _target_link(obj)

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj: Report) -> str:
        return excerpt(obj.reason, 100)


@admin.register(ModerationAction)
class ModerationActionAdmin(PeopleColumns, ReadOnlyAdmin):
    """The audit log of moderation (no filter by moderator: that filter would
    list every account of the platform)."""

    list_display = ["created_at", "action", "target", "moderator_or_auto", "short_reason"]
    list_filter = ["action"]
    list_select_related = ["idea", "comment", "moderator"]
    ordering = ["-created_at", "-pk"]
    fields = ["created_at", "action", "target", "moderator_or_auto", "reason"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("content"))
    def target(self, obj: ModerationAction) -> str:
        return _target_link(obj)

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj: ModerationAction) -> str:
        return excerpt(obj.reason, 100)


@admin.register(StatusChange)
class StatusChangeAdmin(PeopleColumns, ReadOnlyAdmin):
    """Every idea's public timeline; official answers are flagged."""

    list_display = [
        "created_at",
        "idea_link",
        "from_status",
        "to_status",
        "is_official",
        "changed_by_email",
        "short_message",
    ]
    list_filter = ["is_official", "to_status"]
    list_select_related = ["idea", "changed_by"]
    ordering = ["-created_at", "-pk"]
    fields = [
        "created_at",
        "idea_link",
        "from_status",
        "to_status",
        "is_official",
        "is_public",
        "changed_by_email",
        "message",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        # Evaluators see the public timeline, not why something was hidden.
        if not rules.can_moderate(request.user):
            queryset = queryset.filter(is_public=True, idea__status__in=PUBLIC_STATUSES)
        return queryset

    @admin.display(description=gettext_lazy("idea"))
    def idea_link(self, obj: StatusChange) -> str:
        return admin_link(obj.idea)

    @admin.display(description=gettext_lazy("public message"))
    def short_message(self, obj: StatusChange) -> str:
        return excerpt(obj.message, 100)
