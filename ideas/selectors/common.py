"""The reads every page starts from: public and visible ideas, authors'
names, ideas in a given order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery

from civicideas.accounts.models import Profile
from ideas.models import Idea, IdeaImage

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer


def public_ideas() -> QuerySet[Idea]:
    """Ideas everyone may see, in the current city (``IdeaQuerySet.public``)."""
    return Idea.objects.public()


def visible_ideas(user: Viewer) -> QuerySet[Idea]:
    """The ideas ``user`` may see (``IdeaQuerySet.visible_to``, the twin of
    ``rules.can_view_idea``)."""
    return Idea.objects.visible_to(user)


def with_author_name(queryset: QuerySet, author_field: str = "author") -> QuerySet:
    """Annotate ``author_name``: the author's display name in the current city.

    A correlated subquery in the same SQL statement, so a list of any length
    costs no extra query. ``Profile``'s manager is scoped to the current city.
    """
    names = Profile.objects.filter(user=OuterRef(author_field)).values("display_name")[:1]
    return queryset.annotate(author_name=Subquery(names))


def _ideas_in_order(ideas: QuerySet[Idea], ids: list[int]) -> list[Idea]:
    """The ideas of ``ids`` that ``ideas`` still holds, in the order of ``ids``."""
    if not ids:
        return []
    by_id = {idea.pk: idea for idea in ideas.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def _normalized(query: str) -> str:
    from ideas.search import normalize_query

    return normalize_query(query or "")


def with_thumbnails(ideas: list[Idea]) -> list[Idea]:
    """Set ``idea.thumbnail`` (its first image, or None) on each idea, in one
    query whatever the number of ideas: the cards show it (issue 12)."""
    if not ideas:
        return ideas
    firsts = (
        IdeaImage.objects.filter(idea__in=[idea.pk for idea in ideas])
        .order_by("idea_id", "position", "pk")
        .distinct("idea_id")
    )
    by_idea = {image.idea_id: image for image in firsts}
    for idea in ideas:
        idea.thumbnail = by_idea.get(idea.pk)  # type: ignore[attr-defined]  # set for the cards
    return ideas
