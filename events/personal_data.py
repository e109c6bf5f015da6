"""The events app's part of a person's data in one city (registered in
``EventsConfig.ready``; see ``civicideas.accounts.personal_data``).

Export: every registration (active or cancelled) with the event's title,
times, status and attendance. Erasure: the person's places are given up
through ``registration_cancel``'s rule first, so the waiting list moves up
and the next people are told, exactly as if they had cancelled; then the
account's deletion removes the rows (CASCADE). Attendance marks and
cancellations the person made as staff point at "Former <role>"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from events import services
from events.models import Event, Registration


class EventsContributor:
    label = "events"
    staff_fields = frozenset(
        {"events.Registration.attendance_marked_by", "events.Event.cancelled_by"}
    )

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        yield Records(
            "event_registrations",
            (
                {
                    "event": r.event.title,
                    "event_id": r.event_id,
                    "starts_at": iso(r.event.starts_at),
                    "place": r.event.place_name,
                    "status": r.status,
                    "registered_at": iso(r.created_at),
                    "promoted_at": iso(r.promoted_at),
                    "cancelled_at": iso(r.cancelled_at),
                    "reminded_at": iso(r.reminded_at),
                    "attended": r.attended,
                }
                for r in Registration.objects.filter(user=user)
                .select_related("event")
                .order_by("pk")
                .iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        now = timezone.now()
        places = (
            Registration.objects.filter(
                user=user, status=Registration.Status.REGISTERED, event__starts_at__gt=now
            )
            .exclude(event__status=Event.Status.CANCELLED)
            .select_related("event")
            .order_by("event_id")
        )
        for registration in places:
            services.registration_release(registration=registration)


CONTRIBUTOR = EventsContributor()
