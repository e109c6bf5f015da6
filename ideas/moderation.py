"""The moderation queue: what waits for a moderator, oldest first.

Ideas awaiting pre-moderation and ideas or comments with open reports share
one list. It is built as one ``UNION ALL`` of three queries (pending ideas, reported ideas,
reported comments, each found through an index or the open reports), so
sorting and pagination happen in the database; the report reasons of the
rows on a page are fetched in one more query (at most ``REASONS_PER_ITEM``
per row). A page therefore costs the same few queries whatever its size or
the size of the queue.

The page, its total and its report reasons are compiled once per process
for each shape (``queue_page_rows``, ``moderation_queue_size``,
``queue_items``; see ``_compiled``): building and compiling the three-part
``UNION`` through the ORM cost ten times what the database took to answer
it (issue 17).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django_scopes.state import get_scope

from civicideas import inputs
from ideas.models import Comment, Idea, Report
from ideas.status import IdeaStatus

KIND_IDEA = "idea"
KIND_COMMENT = "comment"
KINDS = (KIND_IDEA, KIND_COMMENT)
REASONS_PER_ITEM = 5
#: Compiled queue queries kept per process (``_compiled``); past this the
#: memo starts afresh.
MAX_COMPILED = 256


@dataclass(frozen=True)
class ReportReason:
    reason: str
    created_at: datetime


@dataclass
class QueueItem:
    """One row of the queue: an idea or a comment, with why it is there."""

    kind: str
    pk: int
    since: datetime
    open_reports: int
    text: str
    state: str
    hidden_reason: str
    idea_id: int
    idea_title: str
    challenge_title: str
    author_email: str
    #: The ``lock_version`` the moderator sees: posted back with the row so
    #: an action on something a colleague changed meanwhile is refused.
    version: int = 1
    reasons: list[ReportReason] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The value of the row's checkbox and buttons: ``idea:12``."""
        return f"{self.kind}:{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.kind == KIND_IDEA and self.state == IdeaStatus.PENDING

    @property
    def is_hidden(self) -> bool:
        if self.kind == KIND_IDEA:
            return self.state == IdeaStatus.HIDDEN
        return self.state == Comment.State.HIDDEN

    @property
    def state_label(self) -> str:
        if self.kind == KIND_IDEA:
            return str(IdeaStatus(self.state).label)
        return str(Comment.State(self.state).label)

    @property
    def actions(self) -> list[str]:
        """The moderation actions that make sense for this row now."""
        if self.is_pending:
            return ["approve", "hide"]
        if self.is_hidden:
            return ["restore", "dismiss"]
        if self.kind == KIND_COMMENT and self.state == Comment.State.DELETED:
            return ["dismiss"]
        return ["dismiss", "hide"]


#: The columns of a row of ``moderation_queue``, in its SELECT's order.
COLUMNS = (
    "q_kind",
    "q_id",
    "q_since",
    "q_reports",
    "q_text",
    "q_state",
    "q_hidden_reason",
    "q_idea_id",
    "q_idea_title",
    "q_challenge_title",
    "q_author_email",
    "q_version",
)


def _open_reports(target: str) -> QuerySet:
    return Report.objects.filter(state=Report.State.OPEN, **{target: OuterRef("pk")}).order_by()


def _columns(target: str, *, reported: bool = True, **columns: Any) -> dict[str, Any]:
    """The queue's columns in one fixed order: every part of the UNION must
    select the same columns in the same order. ``reported=False`` (pending
    ideas: only public ideas can be reported, ``report_create``, and no
    idea becomes pending again once public) skips the two report
    subqueries, run once per row otherwise."""
    if reported:
        reports = _open_reports(target)
        first_report = reports.order_by("created_at").values("created_at")[:1]
        report_count = reports.values(target).annotate(n=Count("pk")).values("n")
        # Since when it waits: its oldest open report.
        since: Any = Coalesce(Subquery(first_report), F("created_at"))
        count: Any = Coalesce(Subquery(report_count, output_field=IntegerField()), 0)
    else:
        # Since its submission.
        since = F("created_at")
        count = Value(0, output_field=IntegerField())
    return dict(
        zip(
            COLUMNS,
            [
                columns["kind"],
                F("pk"),
                since,
                count,
                columns["text"],
                columns["state"],
                F("hidden_reason"),
                columns["idea_id"],
                columns["idea_title"],
                columns["challenge_title"],
                F("author__email"),
                F("lock_version"),
            ],
            strict=True,
        )
    )


def _where(kind: str | None) -> list[tuple[type[Idea] | type[Comment], Q, bool]]:
    """The parts of the queue: (model, filter, may have reports). Each is
    found through an index or the open reports (few), never by testing
    every idea: one ``pending OR EXISTS(open report)`` read all of the
    city's ideas (70 ms at 100,000, issue 17)."""
    parts: list[tuple[type[Idea] | type[Comment], Q, bool]] = []
    open_reports = Report.objects.filter(state=Report.State.OPEN)
    if kind in (None, KIND_IDEA):
        # Pending ideas: the partial index ``idea_pending_idx`` holds only them.
        parts.append((Idea, Q(status=IdeaStatus.PENDING), False))
        # Reported ideas; a pending one (impossible, see _columns) would
        # still be listed once only.
        reported = open_reports.filter(comment__isnull=True).values("idea_id")
        parts.append((Idea, Q(pk__in=reported) & ~Q(status=IdeaStatus.PENDING), True))
    if kind in (None, KIND_COMMENT):
        comments = open_reports.filter(comment__isnull=False).values("comment_id")
        parts.append((Comment, Q(pk__in=comments), True))
    return parts


def _rows(model: type[Idea] | type[Comment], where: Q, reported: bool) -> QuerySet:
    if model is Idea:
        columns = _columns(
            "idea",
            reported=reported,
            kind=Value(KIND_IDEA, output_field=CharField()),
            text=F("title"),
            state=F("status"),
            idea_id=F("pk"),
            idea_title=F("title"),
            challenge_title=F("challenge__title"),
        )
    else:
        columns = _columns(
            "comment",
            reported=reported,
            kind=Value(KIND_COMMENT, output_field=CharField()),
            text=F("body"),
            state=F("state"),
            idea_id=F("idea_id"),
            idea_title=F("idea__title"),
            challenge_title=F("idea__challenge__title"),
        )
    return model.objects.filter(where).order_by().annotate(**columns).values(*columns)


def _union(parts: list[QuerySet]) -> QuerySet:
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def moderation_queue(*, kind: str | None = None, first: int | None = None) -> QuerySet:
    """Pending ideas, and ideas and comments with open reports, of the
    current city, oldest first. Rows are dicts; turn a page of them into
    ``QueueItem`` objects with ``queue_items``. With ``first``, only the
    first rows up to there are complete (enough for the pages up to it):
    each part stops at its ``first`` oldest, so a page does not join and
    sort every pending idea (thousands in a busy city) to show 50."""
    parts = [_rows(*part) for part in _where(kind)]
    order = ("q_since", "q_kind", "q_id")
    if first and len(parts) > 1:  # one part: the caller's slice is its LIMIT
        parts = [part.order_by(*order)[:first] for part in parts]
    return _union(parts).order_by(*order)


def _ids(kind: str | None) -> QuerySet:
    return _union(
        [model.objects.filter(where).order_by().values("pk") for model, where, _r in _where(kind)]
    )


def moderation_queue_size(*, kind: str | None = None) -> int:
    """How many rows ``moderation_queue`` has, in one query over the ids
    only (a count of the queue itself computed every column of every row)."""
    sql, params, alias = _compiled(("size", kind), lambda: _ids(kind))
    with connections[alias].cursor() as cursor:
        # The ids' SQL is Django's compilation of our own querysets: no input.
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS queue", params)  # noqa: S608
        return cursor.fetchone()[0]


def queue_page_rows(*, kind: str | None = None, bottom: int, top: int) -> list[dict[str, Any]]:
    """``moderation_queue(kind=kind, first=top)[bottom:top]``: the same rows
    (dicts), from SQL compiled once per process for this page (issue 17)."""
    if top <= bottom:
        return []
    sql, params, alias = _compiled(
        ("page", kind, bottom, top), lambda: moderation_queue(kind=kind, first=top)[bottom:top]
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


_memo: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], str]] = {}


def _compiled(
    shape: tuple[Any, ...], build: Callable[[], QuerySet]
) -> tuple[str, tuple[Any, ...], str]:
    """(SQL, parameters, database) of the query ``build`` makes, compiled
    once per ``shape``, database and tenant scope. The key holds everything
    the SQL depends on: the shape (kind, slice), the database the rows are
    read from and django-scopes' state (the current city, or scopes
    disabled for the platform admin), which the managers turn into the
    ``city_id`` condition. Row-level security applies to the SQL as to any
    query. The queue's columns need no conversion on PostgreSQL (text,
    integers, aware datetimes), so the rows are those the ORM returns
    (``tests/ideas/test_moderation_queue.py`` compares them)."""
    alias = router.db_for_read(Idea) or DEFAULT_DB_ALIAS
    key = (shape, alias, tuple(sorted(get_scope().items())))
    found = _memo.get(key)
    if found is None:
        query = build().query
        sql, params = query.get_compiler(using=alias).as_sql()
        if len(_memo) >= MAX_COMPILED:
            _memo.clear()
        found = _memo[key] = (sql, tuple(params), alias)
    return found


class _AnyOf(Func):
    """``column = ANY(ids::bigint[])``: one parameter for any number of ids,
    so the SQL is the same for every page and compiled once (``_compiled``)."""

    # Func writes "<column><arg_joiner><ids>" into the template.
    template = "%(expressions)s::bigint[])"
    arg_joiner = " = ANY("
    arity = 2
    output_field = BooleanField()


class _Ids:
    """Stands for a list of ids in compiled SQL; the list is put in its
    place when the SQL runs."""


_IDEA_IDS = _Ids()
_COMMENT_IDS = _Ids()


def reasons_query(idea_ids: Any, comment_ids: Any) -> QuerySet:
    """The first ``REASONS_PER_ITEM`` open reports of these ideas and
    comments (lists of ids), oldest first: (idea id, comment id, reason,
    created at) rows."""
    return (
        Report.objects.filter(state=Report.State.OPEN)
        .filter(_AnyOf(F("idea_id"), Value(idea_ids)) | _AnyOf(F("comment_id"), Value(comment_ids)))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("idea_id"), F("comment_id")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=REASONS_PER_ITEM)
        .order_by("created_at", "pk")
        .values_list("idea_id", "comment_id", "reason", "created_at")
    )


def queue_items(rows: list[dict[str, Any]]) -> list[QueueItem]:
    """A page of queue rows as ``QueueItem`` objects with their first report
    reasons (one query for the whole page, compiled once: ``reasons_query``)."""
    items = [
        QueueItem(
            kind=row["q_kind"],
            pk=row["q_id"],
            since=row["q_since"],
            open_reports=row["q_reports"],
            text=row["q_text"],
            state=row["q_state"],
            hidden_reason=row["q_hidden_reason"],
            idea_id=row["q_idea_id"],
            idea_title=row["q_idea_title"],
            challenge_title=row["q_challenge_title"],
            author_email=row["q_author_email"],
            version=row["q_version"],
        )
        for row in rows
    ]
    reported = [item for item in items if item.open_reports]
    if not reported:
        return items
    idea_ids = [item.pk for item in reported if item.kind == KIND_IDEA]
    comment_ids = [item.pk for item in reported if item.kind == KIND_COMMENT]
    sql, params, alias = _compiled(("reasons",), lambda: reasons_query(_IDEA_IDS, _COMMENT_IDS))
    bound = [
        idea_ids if param is _IDEA_IDS else comment_ids if param is _COMMENT_IDS else param
        for param in params
    ]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, bound)
        reasons = cursor.fetchall()
    by_target: dict[str, list[ReportReason]] = defaultdict(list)
    for idea_id, comment_id, reason, created_at in reasons:
        key = f"{KIND_COMMENT}:{comment_id}" if comment_id else f"{KIND_IDEA}:{idea_id}"
        by_target[key].append(ReportReason(reason=reason, created_at=created_at))
    for item in items:
        item.reasons = by_target.get(item.key, [])
    return items


def parse_key(key: str) -> tuple[str, int] | None:
    """``"idea:12"`` → ``("idea", 12)``; None for anything else."""
    kind, _sep, raw_pk = key.partition(":")
    pk = inputs.parse_id(raw_pk)
    if kind not in KINDS or pk is None:
        return None
    return kind, pk
