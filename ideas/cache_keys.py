"""Which cached public pages a change to ideas or comments makes stale.

The page cache (``civicideas.web.page_cache``) keys each anonymous page on
the generations of the scopes it shows; the services call the two functions
below, and the views name the same scopes. Keeping both sides here means a
new page or a new kind of change is one place to look.

* ``city:<city>`` — the city home (most supported, newest, official answers).
* ``challenge:<city>:<slug>`` — the challenge page, all its filters, sorts
  and pages, and its similar-ideas fragment.
* ``idea:<city>:<pk>`` — the idea's page and its similar-ideas block (which
  also depends on the city scope, as it lists other ideas).
* ``admin-choices:<city>`` — the admin lists' filter choices (challenges,
  categories, districts): bumped when the admin saves or deletes one.

Supports deliberately bump nothing: bumping on every vote would empty the
cache of a busy challenge continuously. Counts on cached pages are at most
``PAGE_CACHE_SECONDS`` old, and supporters are signed in, so they never see a
cached page. Comment counts on the lists are treated the same way; the
idea's own page (where the comments are) is bumped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicideas.web.page_cache import bump_on_commit

if TYPE_CHECKING:
    from ideas.models import Challenge, Comment, Idea


def city_scope(city_id: int) -> str:
    return f"city:{city_id}"


def challenge_scope(city_id: int, slug: str) -> str:
    return f"challenge:{city_id}:{slug}"


def idea_scope(city_id: int, idea_id: int) -> str:
    return f"idea:{city_id}:{idea_id}"


def idea_changed(idea: Idea) -> None:
    """The idea's status, text, category, images or official answers changed:
    its page, its challenge's lists and the city home are stale once the
    transaction commits."""
    bump_on_commit(
        idea_scope(idea.city_id, idea.pk),
        challenge_scope(idea.city_id, idea.challenge.slug),
        city_scope(idea.city_id),
    )


def challenge_changed(challenge: Challenge, *, old_slug: str = "") -> None:
    """The challenge itself was edited (the admin): its page (under its old
    slug too, when renamed) and the city home (open challenges) are stale
    once the transaction commits. Signed-in people's shared content and the
    challenge's cached lookup follow on the next view instead of within the TTL."""
    slugs = {challenge.slug, old_slug} - {""}
    bump_on_commit(
        *(challenge_scope(challenge.city_id, slug) for slug in sorted(slugs)),
        city_scope(challenge.city_id),
    )


def comments_changed(comment: Comment) -> None:
    """A comment was added, edited, deleted, hidden or restored: the idea's
    page is stale (the lists' comment counts follow within the TTL)."""
    bump_on_commit(idea_scope(comment.city_id, comment.idea_id))


def choices_scope(city_id: int) -> str:
    return f"admin-choices:{city_id}"


def choices_changed(city_id: int) -> None:
    """A challenge, category or district was added, renamed or deleted: the
    admin lists' filter choices are stale once the transaction commits."""
    bump_on_commit(choices_scope(city_id))
