"""The citizens' pages of events (namespace ``events``): the city's list,
an event's page with registering, the waiting list and cancelling, and the
``.ics`` files. Thin: every rule is in ``events.services`` / ``events.rules``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicideas.errors import ServiceError
from civicideas.tenancy.map_tiles import allow_tiles
from civicideas.web.confirm import confirm_page
from civicideas.web.decorators import city_required
from events import calendar, rules, selectors, services
from events.models import Event, Registration
from ideas.map import tile_settings
from ideas.models import Challenge


def _event_or_404(pk: int) -> Event:
    """Same answer for a missing id and another city's."""
    event = selectors.event_for_page(pk)
    if event is None:
        raise Http404
    return event


def _detail_url(event: Event) -> str:
    return reverse("events:detail", args=[event.pk])


@require_GET
@city_required
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming events first, past ones in their own section; optionally of
    one challenge (``?challenge=<slug>``; an unknown slug shows all)."""
    challenges = list(Challenge.objects.public().order_by("title"))
    chosen = next((c for c in challenges if c.slug == request.GET.get("challenge")), None)
    upcoming, past = selectors.event_list(challenge_id=chosen.pk if chosen else None)
    return TemplateResponse(
        request,
        "events/list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "challenges": challenges,
            "chosen": chosen,
            "mine": selectors.my_events(request.user),
        },
    )


def _detail_page(request: HttpRequest, event: Event, *, status: int = 200) -> HttpResponse:
    mine = selectors.my_registration(event, request.user)
    full = event.capacity is not None and event.registered >= event.capacity
    left = None if event.capacity is None else max(event.capacity - event.registered, 0)
    # The page's small map loads the city's tiles: its CSP allows that host.
    response = TemplateResponse(
        request,
        "events/detail.html",
        {
            "event": event,
            "mine": mine,
            "full": full,
            "places_left": left,
            "closed": rules.event_refusal(event),
            "is_staff": rules.is_event_staff(request.user),
            "event_geojson": selectors.events_geojson([event]) if event.has_location else "",
            "tiles": tile_settings(request.city),
        },
        status=status,
    )
    return allow_tiles(response, request.city)


def _refused(request: HttpRequest, event: Event, error: ServiceError) -> HttpResponse:
    """A refusal: the event's page as it is now, with the service's message
    and its 4xx status (nothing was written)."""
    messages.error(request, error.message)
    return _detail_page(request, _event_or_404(event.pk), status=error.status_code)


@require_GET
@city_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _event_or_404(pk))


@require_POST
@city_required
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a place, or (``waitlist=1``, offered when the event is full) a
    place on the waiting list."""
    event = _event_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_detail_url(event))
    try:
        registration = services.event_register(
            event=event, user=request.user, waitlist=request.POST.get("waitlist") == "1"
        )
    except ServiceError as error:
        return _refused(request, event, error)
    if registration.status == Registration.Status.WAITLISTED:
        messages.success(
            request, _("You are on the waiting list. We will tell you if a place becomes free.")
        )
    else:
        messages.success(request, _("You are registered. We will remind you the day before."))
    return HttpResponseRedirect(_detail_url(event), status=303)


@require_http_methods(["GET", "POST"])
@city_required
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "are you sure?" (``confirm_page``), POST cancels."""
    event = _event_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_detail_url(event))
    registration = selectors.my_registration(event, request.user).registration
    if registration is None:
        messages.info(request, _("You are not registered for this event."))
        return HttpResponseRedirect(_detail_url(event), status=303)
    waiting = registration.status == Registration.Status.WAITLISTED
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Leave the waiting list?") if waiting else _("Cancel your registration?"),
            consequence=_("Your place in the waiting list will be lost.")
            if waiting
            else _("Your place goes to the next person on the waiting list."),
            button=_("Yes, leave the waiting list")
            if waiting
            else _("Yes, cancel my registration"),
            back=_detail_url(event),
        )
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except ServiceError as error:
        return _refused(request, event, error)
    messages.success(request, _("Your registration is cancelled."))
    return HttpResponseRedirect(_detail_url(event), status=303)


def _ics(request: HttpRequest, events: list[Event], name: str, filename: str) -> HttpResponse:
    body = calendar.calendar_bytes(
        events, city=request.city, name=name, absolute=request.build_absolute_uri
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@city_required
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(pk)
    return _ics(request, [event], request.city.name, f"event-{event.pk}.ics")


@require_GET
@city_required
def calendar_ics(request: HttpRequest) -> HttpResponse:
    """The city's feed, to subscribe to in a calendar application."""
    name = _("Events in %(city)s") % {"city": request.city.name}
    return _ics(request, calendar.feed_events(), name, f"{request.city.slug}-events.ics")
