"""Invitations to claim an idea entered for someone (docs/offline.md): a
read-only list for the staff who enter such ideas, and "Send again"
(``services.invitation_resend``): an action on the list and on each
invitation's page, and a button in each row that may be sent again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.tenancy.admin_mixins import MAX_BULK, run_bulk
from ideas import rules, services
from ideas.admin.base import ReadOnlyAdmin, admin_link, city_of
from ideas.admin.content.common import BOTH
from ideas.models import IdeaInvitation
from ideas.services.offline import invitation_sent_at

WAITING, CLAIMED, EXPIRED = "waiting", "claimed", "expired"


def _state_filter(state: str) -> Q:
    now = timezone.now()
    if state == CLAIMED:
        return Q(claimed_at__isnull=False)
    if state == WAITING:
        return Q(claimed_at__isnull=True, expires_at__gt=now)
    return Q(claimed_at__isnull=True, expires_at__lte=now)


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(WAITING, _("Waiting")), (CLAIMED, _("Claimed")), (EXPIRED, _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in (WAITING, CLAIMED, EXPIRED):
            return queryset.filter(_state_filter(value))
        return queryset


@admin.action(
    permissions=["resend"],
    description=gettext_lazy("Send the invitation again"),
    location=BOTH,
)
def resend(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    # The queryset is the current city's: another city's ids select nothing.
    invitations = list(queryset.select_related("idea").order_by("pk")[: MAX_BULK + 1])
    if not invitations:
        modeladmin.message_user(
            request,
            _("None of the selected invitations was found; nothing was sent."),
            messages.ERROR,
        )
        return
    if len(invitations) > MAX_BULK:
        modeladmin.message_user(
            request,
            _("At most %(max)d invitations at once; nothing was sent.") % {"max": MAX_BULK},
            messages.ERROR,
        )
        return

    def send_again(invitation: IdeaInvitation) -> None:
        with city_of(invitation):
            services.invitation_resend(invitation=invitation, by=request.user)  # type: ignore[arg-type]

    run_bulk(request, invitations, send_again, _("Invitations sent again: %(n)d."))


@admin.register(IdeaInvitation)
class IdeaInvitationAdmin(ReadOnlyAdmin):
    """Who was invited to claim which idea, and what became of it. Shown to
    whoever may enter ideas for someone (``rules.can_open_idea_entry``)."""

    list_display = ["idea_link", "email", "sent_at", "sent_by", "state", "resend_button"]
    list_filter = [StateFilter]
    list_select_related = ["idea", "created_by"]
    list_defer = ["idea__body", "idea__search_vector", "idea__hidden_reason"]
    search_fields = ["email", "idea__title"]
    ordering = ["-created_at", "-pk"]
    fields = ["idea_link", "email", "created_at", "sent_at", "sent_by", "state", "expires_at"]
    readonly_fields = fields
    actions = [resend]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.can_open_idea_entry(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return rules.can_open_idea_entry(request.user)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return rules.can_open_idea_entry(request.user)

    @admin.display(description=gettext_lazy("idea"))
    def idea_link(self, obj: IdeaInvitation) -> str:
        return admin_link(obj.idea)

    @admin.display(description=gettext_lazy("last sent"))
    def sent_at(self, obj: IdeaInvitation) -> str:
        return formats.date_format(timezone.localtime(invitation_sent_at(obj)), "DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("invited by"))
    def sent_by(self, obj: IdeaInvitation) -> str:
        # Staff as plain text, as the other lists show people (PeopleColumns).
        return obj.created_by.email

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj: IdeaInvitation) -> str:
        if obj.claimed_at is not None:
            when = formats.date_format(timezone.localtime(obj.claimed_at), "DATETIME_FORMAT")
            return _("Claimed on %(date)s") % {"date": when}
        if obj.expires_at <= timezone.now():
            return _("Expired")
        return _("Waiting")

    @admin.display(description=gettext_lazy("send again"))
    def resend_button(self, obj: IdeaInvitation) -> str:
        """Submits the change list's own form (its CSRF token) to the row's
        URL: no nested form, and the view reads nothing but the URL's id."""
        if obj.claimed_at is not None or not obj.email or obj.idea.author_id is not None:
            return ""
        url = reverse("admin:ideas_ideainvitation_resend", args=[obj.pk])
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post"'
            ' aria-label="{}">{}</button>',
            url,
            _("Send the invitation to %(email)s again") % {"email": obj.email},
            _("Send again"),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/resend/",
                self.admin_site.admin_view(self.resend_view),
                name="ideas_ideainvitation_resend",
            ),
            *super().get_urls(),
        ]

    def resend_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The row's button: one invitation, through the same service and
        messages as the action; another city's id or a forged one is a 404."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_resend_permission(request):
            raise PermissionDenied
        invitation = self.get_object(request, object_id)

        def send_again(obj: IdeaInvitation) -> None:
            with city_of(obj):
                services.invitation_resend(invitation=obj, by=request.user)  # type: ignore[arg-type]

        run_bulk(request, [invitation], send_again, _("Invitations sent again: %(n)d."))
        return HttpResponseRedirect(reverse("admin:ideas_ideainvitation_changelist"))
