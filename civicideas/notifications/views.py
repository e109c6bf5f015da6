"""In-app notifications: the bell, the notifications page, mark read, the
preferences page and the one-click unsubscribe.

Every page exists on a city's host only and shows the signed-in person's
notifications of that city (the scoped manager). Changes are POSTs through
the services of ``outbox`` and ``preferences``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicideas.errors import ServiceError
from civicideas.notifications import outbox, preferences
from civicideas.notifications.kinds import current_lines, kind_or_unknown
from civicideas.notifications.models import Channel, Notification
from civicideas.notifications.unsubscribe import read_token

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

PER_PAGE = 20

View = Callable[..., HttpResponse]


def city_member_view(view: View) -> View:
    """City hosts only (404 on the platform host); signed-in people only."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "city", None) is None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def unread_count(user: Viewer) -> int:
    return Notification.objects.for_user(user).unread().count()


@require_GET
@never_cache
def bell(request: HttpRequest) -> HttpResponse:
    """The unread count for the bell (htmx, every minute): one query."""
    if getattr(request, "city", None) is None or not request.user.is_authenticated:
        return HttpResponse(status=204)
    return TemplateResponse(
        request, "notifications/_bell.html#count", {"unread_count": unread_count(request.user)}
    )


@require_GET
@city_member_view
def notification_list(request: HttpRequest) -> HttpResponse:
    queryset = Notification.objects.for_user(request.user).order_by("-created_at", "-pk")
    page = Paginator(
        queryset.only("pk", "kind", "subject_ref", "payload", "created_at", "read_at"), PER_PAGE
    ).get_page(request.GET.get("page"))
    now = current_lines(list(page.object_list))
    items = [
        {
            "notification": n,
            "now": now.get(n.pk, ""),
            "text": kind_or_unknown(n.kind).text(n.payload),
            "details": kind_or_unknown(n.kind).detail_items(n.payload),
            "label": kind_or_unknown(n.kind).label,
        }
        for n in page.object_list
    ]
    return TemplateResponse(
        request,
        "notifications/list.html",
        {"page": page, "items": items, "unread_count": unread_count(request.user)},
    )


@require_POST
@city_member_view
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and open what it is about (the "open" button)."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    outbox.notifications_mark_read(user=request.user, ids=[notification.pk])
    if request.POST.get("open"):
        return HttpResponseRedirect(kind_or_unknown(notification.kind).link(notification))
    return HttpResponseRedirect(reverse("notifications:list"))


@require_POST
@city_member_view
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = outbox.notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return HttpResponseRedirect(reverse("notifications:list"))


@require_http_methods(["GET", "POST"])
@city_member_view
def preference_list(request: HttpRequest) -> HttpResponse:
    rows = preferences.preferences_for(request.user)
    errors: list[str] = []
    if request.method == "POST":
        choices = {
            kind.key: request.POST.get(f"kind-{kind.key}", channel) for kind, channel in rows
        }
        try:
            preferences.preferences_set(user=request.user, choices=choices)
        except ServiceError as error:
            errors.append(error.message)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return HttpResponseRedirect(reverse("notifications:preferences"))
    return TemplateResponse(
        request,
        "notifications/preferences.html",
        {"rows": rows, "channels": Channel.choices, "errors": errors},
        status=400 if errors else 200,
    )


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers; the token authenticates.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe, no sign-in needed.

    GET only shows a confirmation button (mail scanners follow links; a GET
    must change nothing). POST, from that button or from the mail client's
    ``List-Unsubscribe-Post``, turns the kind off. A forged or altered token,
    or one for another city, is refused with the same 400 page.
    """
    city = getattr(request, "city", None)
    if city is None:
        raise Http404
    signed = read_token(token, city_id=city.pk)
    user = None
    if signed is not None:
        user = get_user_model().objects.filter(pk=signed.user_id, is_active=True).first()
    if signed is None or user is None:
        return TemplateResponse(
            request, "notifications/unsubscribe.html", {"invalid": True}, status=400
        )
    kind_label = (
        _("digest emails")
        if signed.kind.startswith(preferences.DIGEST_KIND_PREFIX)
        else kind_or_unknown(signed.kind).label
    )
    context = {"kind_label": kind_label, "token": token}
    if request.method == "POST":
        try:
            preferences.preference_unsubscribe(user_id=user.pk, kind=signed.kind)
        except ServiceError:
            return TemplateResponse(
                request, "notifications/unsubscribe.html", {"invalid": True}, status=400
            )
        context["done"] = True
    return TemplateResponse(request, "notifications/unsubscribe.html", context)
