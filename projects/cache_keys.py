"""Which cached public pages a change to a project makes stale
(``civicideas.web.page_cache``): the project pages of the city, and the
pages of the ideas the project carries out (they show its progress)."""

from __future__ import annotations

from collections.abc import Iterable

from civicideas.web.page_cache import bump_on_commit
from ideas.cache_keys import idea_scope


def projects_scope(city_id: int) -> str:
    return f"projects:{city_id}"


def projects_changed(city_id: int, idea_ids: Iterable[int] = ()) -> None:
    bump_on_commit(projects_scope(city_id), *(idea_scope(city_id, pk) for pk in idea_ids))
