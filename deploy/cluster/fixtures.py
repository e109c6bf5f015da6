"""Data for `make cluster-test` in its own database, and the counts afterwards.

    python deploy/cluster/fixtures.py seed            -> JSON on stdout
    python deploy/cluster/fixtures.py count <tag>     -> JSON on stdout
    python deploy/cluster/fixtures.py sweep           -> what beat does every minute

``seed`` is idempotent (one city ``cluster`` on ``cluster.localhost``, a
challenge, a few ideas by one resident) and issues a fresh session and API
token for a second resident, who comments during the run. ``count`` counts
the comments whose body carries the run's tag, the tags written more than
once, and the notifications about them that are still pending. ``sweep``
queues the outbox sweep (``notifications.sweep``) at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from civicideas.api.tokens import token_issue  # noqa: E402
from civicideas.notifications.models import Notification  # noqa: E402
from civicideas.tenancy import city_context  # noqa: E402
from ideas.models import Challenge, Comment, Idea  # noqa: E402
from tests.factories import CityFactory, MembershipFactory, UserFactory  # noqa: E402
from tests.ideas.factories import ChallengeFactory, IdeaFactory  # noqa: E402

HOST = "cluster.localhost"
IDEAS = 4


def seed() -> dict:
    city = CityFactory(slug="cluster", domain=HOST)
    with city_context(city):
        author = UserFactory(email="author@cluster.example")
        commenter = UserFactory(email="commenter@cluster.example")
        for person in (author, commenter):
            if not person.memberships.filter(city=city).exists():
                MembershipFactory(user=person)
        challenge = Challenge.objects.filter(slug="cluster-challenge").first() or ChallengeFactory(
            slug="cluster-challenge", title="Cluster challenge"
        )
        ideas = list(Idea.objects.filter(challenge=challenge, author=author).order_by("pk"))
        while len(ideas) < IDEAS:
            ideas.append(IdeaFactory(challenge=challenge, author=author))
        _token, raw = token_issue(user=commenter)
    client = Client(HTTP_HOST=HOST)
    client.force_login(commenter)
    return {
        "host": HOST,
        "challenge": challenge.slug,
        "ideas": [idea.pk for idea in ideas[:IDEAS]],
        "token": raw,
        "session": client.cookies["sessionid"].value,
    }


def count(tag: str) -> dict:
    from civicideas.tenancy.models import City

    city = City.objects.get(slug="cluster")
    with city_context(city):
        comments = Comment.objects.filter(body__startswith=f"cluster {tag} ")
        twice = comments.values("body").annotate(n=Count("pk")).filter(n__gt=1).count()
        refs = [f"ideas.comment:{pk}" for pk in comments.values_list("pk", flat=True)]
        notifications = Notification.objects.filter(subject_ref__in=refs)
        states = dict(
            notifications.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        )
        return {
            "comments": comments.count(),
            "distinct": comments.values("body").distinct().count(),
            "written_twice": twice,
            "notifications": states,
        }


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(seed()))
    elif sys.argv[1:2] == ["sweep"]:
        from civicideas.notifications.tasks import sweep

        print(json.dumps({"cities": sweep()}))
    elif sys.argv[1:2] == ["count"] and len(sys.argv) == 3:
        print(json.dumps(count(sys.argv[2])))
    else:
        sys.exit(__doc__)
