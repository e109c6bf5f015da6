"""Demo preferences for ``manage.py seed_demo``.

The other apps' demos produce notifications through their services (this
seeder runs before them, in INSTALLED_APPS order). Here the demo citizen and
the demo evaluator get a few digest kinds immediately instead, so the mail
catcher shows them while one tries the demo. Idempotent.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from civicideas.notifications.models import Channel, NotificationPreference

#: Demo account (the part of its email before ``@``) → kinds emailed at once.
IMMEDIATE_FOR_DEMO = {
    "citizen": ["idea_commented", "comment_replied", "idea_status_changed", "challenge_opened"],
    "evaluator": ["decision_taken"],
}


def seed(city: Any, *, stdout: Any, password: str) -> None:
    users = get_user_model().objects
    for account, kinds in IMMEDIATE_FOR_DEMO.items():
        user = users.filter(email=f"{account}@{city.slug}.example").first()
        if user is None:
            stdout.write(f"  notifications: no demo {account}")
            continue
        for kind in kinds:
            NotificationPreference.objects.get_or_create(
                city=city, user=user, kind=kind, defaults={"channel": Channel.IMMEDIATELY}
            )
    stdout.write("  notifications: demo citizen and evaluator get some news at once")
