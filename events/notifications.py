"""The notification kinds of the events app (registered in
``EventsConfig.ready``). Payloads carry the event's title and its start as
the city reads it (``when``), written once and read in each recipient's
language."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind
from civicideas.notifications.models import Channel

#: Audience (``register_audience`` in ``EventsConfig.ready``): people who
#: ever registered for an event of the city; only they are offered these
#: kinds on the preferences page.
REGISTRANT = "event_registrant"
REGISTRANTS = frozenset({REGISTRANT})


def event_link(notification: Any) -> str:
    """The event's page."""
    event_id = (notification.payload or {}).get("event")
    try:
        return reverse("events:detail", args=[int(event_id)]) if event_id else "/events/"
    except (NoReverseMatch, TypeError, ValueError):
        return "/events/"


EVENT_REMINDER = Kind(
    "event_reminder",
    _("Reminder of an event you registered for"),
    _("Reminder: “%(title)s” starts %(when)s at %(place)s."),
    Channel.IMMEDIATELY,
    event_link,
    audiences=REGISTRANTS,
)
EVENT_PLACE_FREED = Kind(
    "event_place_freed",
    _("A place at an event became free for you"),
    _("A place became free: you are now registered for “%(title)s” (%(when)s)."),
    Channel.IMMEDIATELY,
    event_link,
    audiences=REGISTRANTS,
)
EVENT_CANCELLED = Kind(
    "event_cancelled",
    _("An event you registered for was cancelled"),
    _("The event “%(title)s” (%(when)s) is cancelled."),
    Channel.IMMEDIATELY,
    event_link,
    details=("reason",),
    audiences=REGISTRANTS,
)

#: In the order of the preferences page.
KINDS = (EVENT_REMINDER, EVENT_PLACE_FREED, EVENT_CANCELLED)
