"""Demo preferences for ``manage.py seed_demo``.

The ideas demo already produces notifications through its services (this
seeder runs before it, in INSTALLED_APPS order). Here the demo citizen gets
comments and replies immediately rather than in the daily digest, so the
mail catcher shows them while one tries the demo. Idempotent.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from civicideas.notifications.models import Channel, NotificationPreference

IMMEDIATE_FOR_DEMO = ["idea_commented", "comment_replied", "idea_status_changed"]


def seed(city: Any, *, stdout: Any, password: str) -> None:
    user = get_user_model().objects.filter(email=f"citizen@{city.slug}.example").first()
    if user is None:
        stdout.write("  notifications: no demo citizen")
        return
    for kind in IMMEDIATE_FOR_DEMO:
        NotificationPreference.objects.get_or_create(
            city=city, user=user, kind=kind, defaults={"channel": Channel.IMMEDIATELY}
        )
    stdout.write("  notifications: demo citizen gets comments and status news at once")
