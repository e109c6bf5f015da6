"""Idea cards and comments rendered once and shared by everyone who sees them.

A card (``templates/ideas/_idea_card.html``) shows nothing per person: the
title, status, tags, provenance, counts and thumbnail. Rendering twenty of
them (includes, ``blocktranslate`` plurals, URL reversal, translated tags)
was a large part of a signed-in list page, so each card is cached by its
content (``civicideas.web.fragment_cache.addressed``): the key is a hash of
every value the card shows, so an edited title, a new support or a hidden
idea (no longer listed) is a new key and nothing can be served stale.

Comments (``templates/ideas/_comment.html``) do have per-person parts: the
reply and report forms (with the viewer's CSRF token), "Edit"/"Delete my
comment", no "Report" on one's own comment, and the hidden reason shown to
its author only. So a shared comment is rendered for a stand-in viewer who
wrote nothing (``SharedViewer``), in a variant per what the viewer may do
(signed in or not, may reply or not), with a placeholder CSRF token that
``fragment_cache.with_csrf`` replaces with the viewer's own; the viewer's
own comments are rendered fresh, never stored (``ideas.idea_body``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from civicideas.tenancy.context import current_city_or_none
from civicideas.web import fragment_cache
from ideas.models import Comment, Idea

CARD_TEMPLATE = "ideas/_idea_card.html"
COMMENT_TEMPLATE = "ideas/_comment.html"


def card_parts(idea: Idea) -> tuple[Any, ...]:
    """Every value the card shows (besides the language, in every key).

    The category's and district's names with their translations, and the
    current year (the provenance omits it for this year's dates), are here
    too: a renamed category is a new key."""
    thumbnail = getattr(idea, "thumbnail", None)
    city = current_city_or_none()
    return (
        idea.pk,
        idea.city_id,
        # Translated names fall back to the city's default language.
        city.default_language if city is not None else None,
        idea.title,
        idea.language,
        idea.status,
        idea.support_count,
        idea.comment_count,
        idea.channel,
        idea.channel_date,
        timezone.localdate().year if idea.channel_date else None,
        fragment_cache.name_parts(idea.category),
        fragment_cache.name_parts(idea.district),
        # The file's name, not its URL: a signed URL differs on every call.
        (thumbnail.pk, thumbnail.image.name, thumbnail.width, thumbnail.height)
        if thumbnail
        else None,
    )


def card_fragments(ideas: Iterable[Idea]) -> list[fragment_cache.Addressed]:
    """The cards of ``ideas`` as fragments to fetch with a page's others
    (``fragment_cache.Batch``); join them in order."""
    return [
        fragment_cache.Addressed("idea-card", card_parts(idea), _renderer(idea)) for idea in ideas
    ]


def _renderer(idea: Idea) -> fragment_cache.Render:
    return lambda: render_to_string(CARD_TEMPLATE, {"idea": idea})


class SharedViewer:
    """Who a shared piece is rendered for: signed in or not, and the author
    of nothing (``pk`` matches no ``author_id``, not even an erased author's
    ``None``), so no author-only part is drawn."""

    pk = -1

    def __init__(self, is_authenticated: bool) -> None:
        self.is_authenticated = is_authenticated
        self.is_active = is_authenticated


def _comment_parts(comment: Comment, *, is_reply: bool, variant: tuple[Any, ...]) -> tuple:
    return (
        comment.pk,
        comment.idea_id,
        comment.state,
        comment.body,
        comment.language,
        getattr(comment, "author_name", None),
        comment.created_at,
        comment.edited_at,
        timezone.get_current_timezone_name(),
        is_reply,
        variant,
    )


def comment_context(
    comment: Comment, idea: Idea, *, is_reply: bool, can_comment: bool, user: Any
) -> dict[str, Any]:
    """``COMMENT_TEMPLATE``'s context; its forms carry the CSRF placeholder
    (``fragment_cache.with_csrf`` puts the viewer's token in)."""
    return {
        "comment": comment,
        "idea": idea,
        "is_reply": is_reply,
        "can_comment": can_comment,
        "user": user,
        "csrf_token": fragment_cache.CSRF_PLACEHOLDER,
    }


def shared_comments(
    idea: Idea, comments: list[Comment], *, viewer: SharedViewer, can_comment: bool
) -> None:
    """Set ``html`` on each comment and reply of ``comments`` (the page's
    threads), rendered for ``viewer`` (nobody's own) with the CSRF
    placeholder: shared fragments, one cache round trip for all of them.
    The viewer's own are drawn over them per person (``ideas.idea_body``)."""
    variant = (viewer.is_authenticated, can_comment)
    shared = [
        (item, is_reply)
        for comment in comments
        for item, is_reply in ((comment, False), *((r, True) for r in comment.thread_replies))
    ]

    def renderer(item: Comment, is_reply: bool) -> fragment_cache.Render:
        context = comment_context(
            item, idea, is_reply=is_reply, can_comment=can_comment, user=viewer
        )
        return lambda: render_to_string(COMMENT_TEMPLATE, context)

    items = [
        (_comment_parts(item, is_reply=is_reply, variant=variant), renderer(item, is_reply))
        for item, is_reply in shared
    ]
    for (item, _), html in zip(shared, fragment_cache.addressed("comment", items), strict=True):
        item.html = html  # type: ignore[attr-defined]
