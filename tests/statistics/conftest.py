"""A small city whose statistics were computed by hand (docs/statistics.md).

Time is frozen at 2026-06-15 12:00 UTC; the city is in Europe/Brussels, so
the window runs from July 2025 to June 2026. Every idea is public.

=====  ========  ==========  ===============  ====================  ===========
idea   category  district    published (UTC)  first official answer  now
=====  ========  ==========  ===============  ====================  ===========
i1     Parks     Centre      2026-01-10 10:00 +2 days (accepted)     implemented
i2     Parks     Centre      2026-01-20 10:00 +4 days (rejected, why) rejected
i3     Parks (none)        2026-01-25 10:00 +4 days (rejected)     rejected
i4     Roads     Harbour     2026-03-05 10:00 +10 days (accepted)    accepted
i5     Roads (none)        2026-03-06 10:00 none                   published
i6     Roads (none)        2026-03-07 10:00 none (a non-official)  published
=====  ========  ==========  ===============  ====================  ===========

Parks is answered by the Green department; Roads has no department.
February has no idea at all (an empty month).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from civicideas.tenancy import city_context
from ideas.models import Comment, Department, Idea, StatusChange, Support
from ideas.status import IdeaStatus
from tests.factories import UserFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
    SupportFactory,
)
from tests.projects.factories import ProjectFactory, ProjectIdeaFactory

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
S = IdeaStatus


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=UTC)


def _idea(challenge, category, district, published: datetime, status: str) -> Idea:
    idea = IdeaFactory(challenge=challenge, category=category, district=district, status=status)
    Idea.objects.filter(pk=idea.pk).update(created_at=published, published_at=published)
    idea.refresh_from_db()
    return idea


def _answer(idea, to_status: str, when: datetime, *, message: str = "", official: bool = True):
    change = StatusChange.objects.create(
        city=idea.city,
        idea=idea,
        from_status=S.PUBLISHED,
        to_status=to_status,
        changed_by=UserFactory(),
        message=message,
        is_official=official,
    )
    StatusChange.objects.filter(pk=change.pk).update(created_at=when)
    return change


def _at(model, obj, when: datetime) -> None:
    model.objects.filter(pk=obj.pk).update(created_at=when)


def build_fixture(city) -> dict:
    """The table above, plus supports, comments and projects."""
    with city_context(city):
        green = Department.objects.create(city=city, name="Green", slug="green")
        parks = CategoryFactory(name="Parks", department=green)
        roads = CategoryFactory(name="Roads")
        centre = DistrictFactory(name="Centre", population=2000)
        harbour = DistrictFactory(name="Harbour")
        DistrictFactory(name="Quiet", population=500)
        challenge = ChallengeFactory(title="Greener streets")
        i1 = _idea(challenge, parks, centre, at(2026, 1, 10), S.IMPLEMENTED)
        i2 = _idea(challenge, parks, centre, at(2026, 1, 20), S.REJECTED)
        i3 = _idea(challenge, parks, None, at(2026, 1, 25), S.REJECTED)
        i4 = _idea(challenge, roads, harbour, at(2026, 3, 5), S.ACCEPTED)
        _idea(challenge, roads, None, at(2026, 3, 6), S.PUBLISHED)
        i6 = _idea(challenge, roads, None, at(2026, 3, 7), S.PUBLISHED)
        # A withdrawn idea is not "received" and its author took no part.
        _idea(challenge, roads, centre, at(2026, 1, 11), S.WITHDRAWN)

        _answer(i1, S.ACCEPTED, at(2026, 1, 12), message="Yes, we will.")
        _answer(i1, S.IMPLEMENTED, at(2026, 4, 12))  # a later answer: not the first
        _answer(i2, S.REJECTED, at(2026, 1, 24), message="Out of budget.")
        _answer(i3, S.REJECTED, at(2026, 1, 29), message="   ")  # blank: no reason
        _answer(i4, S.ACCEPTED, at(2026, 3, 15))
        _answer(i6, S.UNDER_EVALUATION, at(2026, 3, 8), official=False)

        u1, u2, u3, u4 = (UserFactory() for _ in range(4))
        for user, idea, when in (
            (u1, i1, at(2026, 1, 15)),
            (u2, i1, at(2026, 1, 16)),
            (u1, i4, at(2026, 3, 20)),
        ):
            _at(Support, SupportFactory(idea=idea, user=user), when)
        _at(Comment, CommentFactory(idea=i4, author=u3), at(2026, 3, 21))
        deleted = CommentFactory(idea=i4, author=u4, state=Comment.State.DELETED)
        _at(Comment, deleted, at(2026, 4, 2))

        # Projects (today is 2026-06-15).
        on_time = ProjectFactory(
            status="done", planned_end=date(2026, 3, 31), actual_end=date(2026, 3, 12)
        )
        ProjectIdeaFactory(project=on_time, idea=i1)
        ProjectFactory(status="in_progress", planned_end=date(2026, 5, 31))  # late
        ProjectFactory(status="planned", planned_start=None, planned_end=None)  # undated
        ProjectFactory(  # done after its planned end: late
            status="done",
            planned_start=date(2026, 1, 1),
            planned_end=date(2026, 2, 1),
            actual_end=date(2026, 2, 10),
        )
        ProjectFactory(status="stopped", stop_reason="No budget.")  # neither
        ProjectFactory(
            status="in_progress", is_public=False, planned_start=None, planned_end=date(2026, 1, 1)
        )
    return {
        "challenge": challenge,
        "parks": parks,
        "roads": roads,
        "green": green,
        "centre": centre,
        "harbour": harbour,
        "ideas": [i1, i2, i3, i4, i6],
    }


def build_other_city(city) -> None:
    """Activity in another city that must never be counted."""
    with city_context(city):
        idea = _idea(ChallengeFactory(), None, None, at(2026, 2, 10), S.ACCEPTED)
        _answer(idea, S.ACCEPTED, at(2026, 2, 11))
        _at(Support, SupportFactory(idea=idea), at(2026, 2, 12))
        ProjectFactory(status="in_progress", planned_start=None, planned_end=date(2026, 1, 1))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def fixture_city(city, other_city, frozen):
    data = build_fixture(city)
    build_other_city(other_city)
    return data


__all__ = ["NOW", "timedelta"]
