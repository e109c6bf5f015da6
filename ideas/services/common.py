"""What the families of idea services share: the row lock, the version
bump, the status record and the search vector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchVector
from django.db.models import Value
from django.utils import timezone

from civicideas.concurrency import bump_version
from civicideas.content.search_config import search_config
from ideas import cache_keys
from ideas.models import Comment, Idea, StatusChange
from ideas.status import PUBLIC_STATUSES, IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User

REASON_MAX = 1000


def _mark_changed(obj: Idea | Comment, *, by: User | None) -> None:
    """One version further (``civicideas.concurrency``): every change a
    person or a rule makes to an idea's status or text, or to a comment's
    state or text, so a form read before it is refused as stale.
    Counters (supports, comments, reports) are not decisions and do not
    bump it. Precondition: the caller holds the row lock."""
    obj.save(update_fields=bump_version(obj, by=by))


def _refresh_search_vector(idea: Idea) -> None:
    config = search_config(idea.language)
    Idea.objects.filter(pk=idea.pk).update(
        search_vector=SearchVector(Value(idea.title), weight="A", config=config)
        + SearchVector(Value(idea.body), weight="B", config=config)
    )


def _record_status(
    idea: Idea,
    *,
    to: str,
    by: User,
    message: str = "",
    official: bool = False,
    translations: dict[str, dict[str, str]] | None = None,
) -> StatusChange:
    change = StatusChange.objects.create(
        translations=translations or {},
        city=idea.city,
        idea=idea,
        from_status=idea.status,
        to_status=to,
        changed_by=by,
        message=message,
        is_official=official,
        is_public=to in PUBLIC_STATUSES or official,
    )
    idea.status = to
    if to == IdeaStatus.PUBLISHED and idea.published_at is None:
        idea.published_at = timezone.now()
    cache_keys.idea_changed(idea)
    return change


def _locked(idea: Idea) -> Idea:
    """The idea re-read under a row lock: the basis for every counter change."""
    return Idea.objects.select_for_update().select_related("challenge").get(pk=idea.pk)
