"""One idea's page: the idea, its comments, its timeline and similar ideas."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Value

from civicideas.pagination import cache_get, cache_set
from ideas.models import Challenge, Comment, Idea, StatusChange, Support
from ideas.selectors.common import _ideas_in_order, _normalized, with_author_name

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer


def idea_for_page(*, pk: int, user: Viewer) -> Idea | None:
    """The idea with everything its page shows in one row, or None when the
    person may not see it (missing, other city's, hidden, pending...).

    Adds ``author_name`` and ``supported_by_me``.
    """
    ideas = Idea.objects.visible_to(user).select_related(
        "challenge", "category", "district", "duplicate_of"
    )
    ideas = with_author_name(ideas)
    if user is not None and user.is_authenticated:
        ideas = ideas.annotate(
            supported_by_me=Exists(Support.objects.filter(idea=OuterRef("pk"), user=user))
        )
    else:
        ideas = ideas.annotate(supported_by_me=Value(False))
    return ideas.filter(pk=pk).first()


def idea_for_support(*, pk: int, user: Viewer) -> Idea | None:
    """The idea as the support button needs it (its status, counter, author,
    challenge and ``supported_by_me``), or None when the person may not see
    it. Leaner than ``idea_for_page``: no category, district, duplicate or
    author name to join and compile, on the POST a rush repeats (issue 17)."""
    ideas = Idea.objects.visible_to(user).select_related("challenge").only(*_SUPPORT_FIELDS)
    if user is not None and user.is_authenticated:
        ideas = ideas.annotate(
            supported_by_me=Exists(Support.objects.filter(idea=OuterRef("pk"), user=user))
        )
    else:
        ideas = ideas.annotate(supported_by_me=Value(False))
    return ideas.filter(pk=pk).first()


#: What the support services and the button read (``rules.can_support``,
#: ``Challenge.accepts_supports``, the fragment): compiling and reading the
#: two rows whole cost more than the statement itself.
_SUPPORT_FIELDS = (
    "city_id",
    "challenge_id",
    "author_id",
    "status",
    "support_count",
    "challenge__city_id",
    "challenge__phase",
    "challenge__supports_enabled",
)


def idea_comments(idea: Idea, limit: int = 500) -> list[Comment]:
    """Top-level comments with their replies attached as ``thread_replies``.

    One query for the whole thread (bounded by ``limit``); deleted and hidden
    comments stay in the thread as placeholders so replies keep their place.
    """
    comments = list(
        with_author_name(Comment.objects.filter(idea=idea)).order_by("created_at", "pk")[:limit]
    )
    by_id = {c.pk: c for c in comments}
    top: list[Comment] = []
    for comment in comments:
        comment.thread_replies = []
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.thread_replies.append(comment)
        elif comment.parent_id is None:
            top.append(comment)
    return top


def idea_timeline(idea: Idea) -> list[StatusChange]:
    """The public status changes, official answers included."""
    return list(StatusChange.objects.filter(idea=idea, is_public=True).order_by("created_at", "pk"))


#: Similar ideas are reused this long (seconds) per challenge and text.
SIMILAR_CACHE_SECONDS = 300


def similar_ideas_cached(
    *, challenge: Challenge, text: str, exclude_id: int | None = None, limit: int = 5
) -> list[Idea]:
    """``ideas.search.similar_ideas``, its ids reused for ``SIMILAR_CACHE_SECONDS``.

    The lookup ranks every idea sharing a word with the text (100-150 ms at
    100,000 ideas when the words are common), while the answer for an idea's
    title, or a title being typed, hardly changes within minutes. The ideas
    are read fresh by id from the public ideas, so one hidden since drops
    out at once.
    """
    from ideas.search import similar_ideas

    text = _normalized(text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    key = f"ideas:similar:v1:{challenge.city_id}:{challenge.pk}:{exclude_id or ''}:{limit}:{digest}"
    ids = cache_get(key)
    if isinstance(ids, list):
        return _ideas_in_order(Idea.objects.public().in_challenge(challenge), ids)
    found = similar_ideas(challenge=challenge, text=text, exclude_id=exclude_id, limit=limit)
    cache_set(key, [idea.pk for idea in found], SIMILAR_CACHE_SECONDS)
    return found
