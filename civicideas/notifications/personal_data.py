"""Notifications' part of a person's data in one city (see
``civicideas.accounts.personal_data``): their notifications, preferences and
digests. Erasure needs no rule here: the rows go with the account, so
nothing is left to deliver to them, now or in a digest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from civicideas.notifications.kinds import kind_or_unknown
from civicideas.notifications.models import DigestRun, Notification, NotificationPreference


class NotificationsContributor:
    label = "notifications"
    staff_fields: frozenset[str] = frozenset()

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        yield Records(
            "notifications",
            (
                {
                    "kind": n.kind,
                    "text": kind_or_unknown(n.kind).text(n.payload),
                    "state": n.state,
                    "channel": n.channel,
                    "created_at": iso(n.created_at),
                    "sent_at": iso(n.sent_at),
                    "read_at": iso(n.read_at),
                }
                for n in Notification.objects.filter(recipient=user).order_by("pk").iterator()
            ),
        )
        yield Records(
            "preferences",
            (
                {"kind": p.kind, "email": p.channel, "updated_at": iso(p.updated_at)}
                for p in NotificationPreference.objects.filter(user=user).order_by("pk")
            ),
        )
        yield Records(
            "digests",
            (
                {
                    "period": d.period,
                    "period_key": d.period_key,
                    "state": d.state,
                    "sent_at": iso(d.sent_at),
                }
                for d in DigestRun.objects.filter(user=user).order_by("pk").iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        return None


CONTRIBUTOR = NotificationsContributor()
