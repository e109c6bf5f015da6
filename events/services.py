"""Writes of the events app: registering, the waiting list, cancelling,
attendance (``docs/events.md``).

Lock order: the event row first (``select_for_update``), then its
registrations. Every service that changes who holds a place takes the
event's lock, so the count of places taken and the queue cannot change
under it: of two people taking the last place at the same moment, one gets
it and the other is refused (or queued, if they asked for the waiting list).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from civicideas.accounts.rules import signed_in
from civicideas.accounts.services import profile_ensure
from civicideas.concurrency import bump_version
from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.web.page_cache import bump_on_commit
from events import notifications as kinds
from events import rules
from events.models import Event, Registration
from ideas import cache_keys

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

R = Registration.Status


def when_text(event: Event) -> str:
    """The start as the city reads it, in a form that needs no translation
    (a notification's payload is read later in each recipient's language)."""
    tz = current_city().zoneinfo
    return timezone.localtime(event.starts_at, tz).strftime("%Y-%m-%d %H:%M %Z").strip()


def payload_of(event: Event) -> dict[str, Any]:
    return {
        "event": event.pk,
        "title": event.title,
        "when": when_text(event),
        "place": event.place_name,
    }


def events_changed(event: Event, *, challenge_slugs: tuple[str, ...] = ()) -> None:
    """The cached public pages that list events (the city home, the map, the
    challenge page) are stale once the transaction commits."""
    scopes = [cache_keys.city_scope(event.city_id)]
    slugs = set(challenge_slugs)
    if event.challenge is not None:
        slugs.add(event.challenge.slug)
    scopes += [cache_keys.challenge_scope(event.city_id, slug) for slug in sorted(slugs)]
    bump_on_commit(*scopes)


def _locked(event: Event) -> Event:
    try:
        return Event.objects.select_for_update(of=("self",)).get(pk=event.pk)
    except Event.DoesNotExist as exc:
        raise InvalidInput(gettext("This event does not exist.")) from exc


def places_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status=R.REGISTERED).count()


def _promote(event: Event, now: datetime) -> list[Registration]:
    """Give free places to the waiting list, first come first served, and
    tell each person moved up. Call while holding the event's row lock."""
    if event.is_cancelled or event.has_started(now):
        return []
    queue = Registration.objects.waitlist().filter(event=event).select_for_update()
    if event.capacity is not None:
        free = event.capacity - places_taken(event)
        if free <= 0:
            return []
        queue = queue[:free]
    promoted = list(queue)
    for registration in promoted:
        registration.status = R.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
    if promoted:
        notify(
            recipient_ids=[r.user_id for r in promoted],
            kind=kinds.EVENT_PLACE_FREED,
            about=event,
            payload=payload_of(event),
        )
    return promoted


@transaction.atomic
def event_register(*, event: Event, user: Viewer, waitlist: bool = False) -> Registration:
    """Register ``user`` for ``event``: a place while there is one; when the
    event is full, a place on the waiting list if ``waitlist`` (the page
    offers it explicitly), else a ``Conflict`` saying it is full.

    Refused: not signed in or e-mail not confirmed, a cancelled event, an
    event that has started, an active registration already."""
    now = timezone.now()
    if refusal := rules.register_refusal(user, event, now):
        raise NotAllowed(refusal)
    if not signed_in(user):  # checked above; says so to the type checker
        raise NotAllowed(gettext("Sign in to register for this event."))
    event = _locked(event)
    if refusal := rules.event_refusal(event, now):
        raise NotAllowed(refusal)
    if Registration.objects.active().filter(event=event, user_id=user.pk).exists():
        raise Conflict(gettext("You are already registered for this event."))
    # Taking part makes one a citizen of the city (profile, membership), so
    # the data export, erasure and notification preferences cover it.
    profile_ensure(user=user)
    full = event.capacity is not None and places_taken(event) >= event.capacity
    if full and not waitlist:
        raise Conflict(
            gettext("The event is full. You can join the waiting list instead."), code="full"
        )
    try:
        with transaction.atomic():
            return Registration.objects.create(
                city=current_city(),
                event=event,
                user=user,
                status=R.WAITLISTED if full else R.REGISTERED,
                created_at=now,
            )
    except IntegrityError as exc:  # a double post racing itself
        raise Conflict(gettext("You are already registered for this event.")) from exc


@transaction.atomic
def registration_cancel(*, registration: Registration, by: Viewer) -> Registration:
    """Give up a place (or a place on the waiting list). The person
    themselves or the city's staff may; not once the event has started. A
    freed place goes to the first person on the waiting list, who is told."""
    if not signed_in(by) or (by.pk != registration.user_id and not rules.is_event_staff(by)):
        raise NotAllowed(gettext("You may not cancel this registration."))
    now = timezone.now()
    event = _locked(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == R.CANCELLED:
        raise Conflict(gettext("This registration is already cancelled."))
    if event.has_started(now):
        raise Conflict(gettext("This event has already started."))
    _release(event, registration, now)
    return registration


def _release(event: Event, registration: Registration, now: datetime) -> None:
    """Cancel ``registration`` and, if it held a place, give the place to
    the waiting list. Call while holding the event's and the
    registration's row locks."""
    freed = registration.status == R.REGISTERED
    registration.status = R.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at"])
    if freed:
        _promote(event, now)


@transaction.atomic
def registration_release(*, registration: Registration) -> None:
    """The erasure's step (``events.personal_data``): the person's place
    goes to the waiting list as if they had cancelled, with no permission
    check (the person asked for their account's deletion)."""
    now = timezone.now()
    event = _locked(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != R.CANCELLED:
        _release(event, registration, now)


@transaction.atomic
def event_fill_places(*, event: Event) -> list[Registration]:
    """After the capacity was raised (or removed) in the admin: the waiting
    list moves up into the new places."""
    event = _locked(event)
    return _promote(event, timezone.now())


@transaction.atomic
def attendance_mark(*, registration: Registration, attended: bool | None, by: Viewer) -> None:
    """Staff record whether a registered person came (``None`` clears it).
    Only once the event has started, and only for people who had a place."""
    if not rules.is_event_staff(by):
        raise NotAllowed(gettext("Only the city's staff mark attendance."))
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event")
        .get(pk=registration.pk)
    )
    if registration.status != R.REGISTERED:
        raise Conflict(gettext("Only people with a place can be marked as present or absent."))
    if not registration.event.has_started():
        raise Conflict(gettext("Attendance can be marked once the event has started."))
    registration.attended = attended
    registration.attendance_marked_at = timezone.now()
    registration.attendance_marked_by = by  # type: ignore[assignment]
    registration.save(update_fields=["attended", "attendance_marked_at", "attendance_marked_by"])


@transaction.atomic
def event_cancel(*, event: Event, by: Viewer, reason: str = "") -> Event:
    """Cancel an event (staff): it stays listed, marked cancelled, and
    everyone registered or waiting is told (with the reason)."""
    if not rules.is_event_staff(by):
        raise NotAllowed(gettext("Only the city's staff cancel events."))
    event = _locked(event)
    if event.is_cancelled:
        raise Conflict(gettext("This event is already cancelled."))
    if event.is_past():
        raise Conflict(gettext("This event is over."))
    reason = " ".join((reason or "").split())[:500]
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.cancelled_by = by  # type: ignore[assignment]
    event.cancel_reason = reason
    changed = bump_version(event, by=by)
    event.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", *changed])
    recipients = list(
        Registration.objects.active().filter(event=event).values_list("user_id", flat=True)
    )
    notify(
        recipient_ids=recipients,
        kind=kinds.EVENT_CANCELLED,
        about=event,
        payload={**payload_of(event), "reason": reason},
    )
    events_changed(event)
    return event


__all__ = [
    "attendance_mark",
    "event_cancel",
    "event_fill_places",
    "event_register",
    "events_changed",
    "registration_cancel",
    "registration_release",
]
