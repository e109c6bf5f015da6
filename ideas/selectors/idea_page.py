"""One idea's page: the idea, its comments, its timeline and similar ideas."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, Field, Model, OuterRef, Value

from civicideas.pagination import cache_get, cache_set
from civicideas.tenancy.context import current_city
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


#: The idea's columns its page draws per person (the support box, the
#: author's actions, the title) and the shared body's key needs
#: (``ideas.idea_body``); the body itself is read only when it is rendered.
_IDEA_FIELDS = (
    "id",
    "city",
    "challenge",
    "author",
    "title",
    "language",
    "status",
    "duplicate_of",
    "support_count",
    "comment_count",
    "lock_version",
    "latitude",
    "longitude",
)
_CHALLENGE_FIELDS = ("id", "city", "slug", "title", "translations", "phase", "supports_enabled")


def _in_model_order(model: type[Model], names: tuple[str, ...]) -> list[Field]:
    """The fields named, in the model's order (``Model.from_db`` reads a
    partial row's values in that order)."""
    wanted = {model._meta.get_field(name) for name in names}
    return [field for field in model._meta.concrete_fields if field in wanted]


def _from_db[M: Model](model: type[M], names: tuple[str, ...], values: tuple[Any, ...]) -> M:
    """An instance of ``model`` with the fields ``names`` from a raw row's
    ``values``, through the fields' own converters (JSON, as the ORM does)."""
    fields = _in_model_order(model, names)
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def _columns(model: type[Model], alias: str, names: tuple[str, ...]) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in _in_model_order(model, names))


#: One statement, written once: Django's building and compiling of the
#: equivalent queryset (two subqueries, a join, deferred fields) cost ~1.7 ms
#: of CPU per page, ten times the query itself. The city's row-level
#: security applies as to any query; the city filter is explicit too.
_VIEWER_SQL = f"""
SELECT {_columns(Idea, "i", _IDEA_FIELDS)}, {_columns(Challenge, "c", _CHALLENGE_FIELDS)},
  EXISTS (SELECT 1 FROM "{Support._meta.db_table}" s
          WHERE s."idea_id" = i."id" AND s."user_id" = %(user)s),
  ARRAY (SELECT m."id" FROM "{Comment._meta.db_table}" m
         WHERE m."idea_id" = i."id" AND m."author_id" = %(user)s ORDER BY m."id")
FROM "{Idea._meta.db_table}" i JOIN "{Challenge._meta.db_table}" c ON c."id" = i."challenge_id"
WHERE i."id" = %(pk)s AND i."city_id" = %(city)s
"""  # noqa: S608 - names from the models' metadata, values as parameters


def idea_for_viewer(*, pk: int, user: Viewer) -> Idea | None:
    """The idea's page for one person: the idea's narrow row with the
    person's state, or None when they may not see it (as ``idea_for_page``).

    Adds ``supported_by_me`` and ``my_comment_ids`` (the ids of the person's
    comments on the idea, usually none) in the same statement: everything
    the page draws per person, one query; the rest of the page is a shared
    fragment (``ideas.idea_body``). A public idea is everyone's to see; any
    other is left to ``visible_to`` (the rule's one statement), read again."""
    signed_in = user is not None and user.is_authenticated and user.is_active
    params = {"pk": pk, "city": current_city().pk, "user": user.pk if signed_in else None}
    with connection.cursor() as cursor:
        cursor.execute(_VIEWER_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_IDEA_FIELDS)
    idea = _from_db(Idea, _IDEA_FIELDS, row[:split])
    if not idea.is_public:
        return _hidden_idea_for_viewer(pk=pk, user=user)
    challenge_row = row[split : split + len(_CHALLENGE_FIELDS)]
    idea.challenge = _from_db(Challenge, _CHALLENGE_FIELDS, challenge_row)
    idea.supported_by_me, idea.my_comment_ids = row[-2], row[-1]  # type: ignore[attr-defined]
    return idea


def _hidden_idea_for_viewer(*, pk: int, user: Viewer) -> Idea | None:
    """``idea_for_viewer`` for an idea that is not public (its author and the
    moderators see it): the same row through ``visible_to``."""
    ideas = (
        Idea.objects.visible_to(user)
        .select_related("challenge")
        .only(*_IDEA_FIELDS, *(f"challenge__{name}" for name in _CHALLENGE_FIELDS))
    )
    if user is not None and user.is_authenticated:
        ideas = ideas.annotate(
            supported_by_me=Exists(Support.objects.filter(idea=OuterRef("pk"), user=user)),
            my_comment_ids=ArraySubquery(
                Comment.objects.filter(idea=OuterRef("pk"), author=user).values("pk")
            ),
        )
    else:
        ideas = ideas.annotate(supported_by_me=Value(False))
    found = list(ideas.filter(pk=pk)[:1])
    return found[0] if found else None


def own_comments(idea: Idea, user: Viewer, ids: list[int] | None = None) -> list[Comment]:
    """The person's comments on the idea (``ids``: only those), with their
    author's name: the page draws them for their author alone."""
    if user is None or not user.is_authenticated or ids == []:
        return []
    comments = Comment.objects.filter(idea=idea, author=user)
    if ids is not None:
        comments = comments.filter(pk__in=ids)
    return list(with_author_name(comments))


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
