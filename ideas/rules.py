"""Who may do what with challenges, ideas and comments.

Every predicate here that decides a list has a queryset twin on
``ideas.models.IdeaQuerySet`` (``can_view_idea`` ↔ ``Idea.objects.visible_to``;
``Idea.is_public`` ↔ ``Idea.objects.public()``), and
``tests/ideas/test_rules.py`` checks that they agree for every role.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from civicideas.accounts.rules import signed_in
from civicideas.tenancy.permissions import is_city_moderator
from ideas.models import Challenge, Comment, Idea
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def can_view_idea(user: Viewer, idea: Idea) -> bool:
    if idea.is_public:
        return True
    if not signed_in(user):
        return False
    # Authors keep seeing their pending, hidden (with the reason) and
    # withdrawn ideas; moderators see everything in their city.
    return idea.author_id == user.pk or is_city_moderator(user)


def can_submit_idea(user: Viewer, challenge: Challenge) -> bool:
    return signed_in(user) and challenge.accepts_ideas


def can_enter_idea_for_someone(user: Viewer, challenge: Challenge) -> bool:
    """Type in an idea given on paper, at a workshop or by phone: the city's
    moderators and admins, while the challenge takes ideas (the same phase
    rule as on-line submission)."""
    return signed_in(user) and is_city_moderator(user) and challenge.accepts_ideas


def can_open_idea_entry(user: Viewer) -> bool:
    """The staff entry page itself (before a challenge is chosen)."""
    return signed_in(user) and is_city_moderator(user)


def supports_open_to(user: Viewer, idea: Idea) -> bool:
    """Supports of this idea are open and the person is signed in: they may
    withdraw a support they gave (an author's own, given before authors were
    refused, included)."""
    return (
        signed_in(user)
        and idea.challenge.accepts_supports
        and idea.is_public
        and idea.status != IdeaStatus.DUPLICATE
    )


def is_own_idea(user: Viewer, idea: Idea) -> bool:
    return signed_in(user) and idea.author_id == user.pk


def can_support(user: Viewer, idea: Idea) -> bool:
    """Give a support: open supports, and never to one's own idea (a support
    says someone else wants it; the author's is taken for granted). The page,
    the API and the service all ask this one predicate."""
    return supports_open_to(user, idea) and not is_own_idea(user, idea)


def can_comment(user: Viewer, idea: Idea) -> bool:
    return signed_in(user) and idea.challenge.accepts_comments and idea.is_public


def can_edit_idea(user: Viewer, idea: Idea) -> bool:
    return (
        signed_in(user)
        and idea.author_id == user.pk
        and idea.status in (IdeaStatus.PUBLISHED, IdeaStatus.PENDING)
        and idea.challenge.accepts_ideas
    )


def can_withdraw_idea(user: Viewer, idea: Idea) -> bool:
    return (
        signed_in(user)
        and idea.author_id == user.pk
        and idea.status in (IdeaStatus.PUBLISHED, IdeaStatus.PENDING)
    )


def can_edit_comment(user: Viewer, comment: Comment) -> bool:
    return (
        signed_in(user)
        and comment.author_id == user.pk
        and comment.state == Comment.State.VISIBLE
        and timezone.now() - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def can_delete_comment(user: Viewer, comment: Comment) -> bool:
    return (
        signed_in(user) and comment.author_id == user.pk and comment.state == Comment.State.VISIBLE
    )


def can_report(user: Viewer) -> bool:
    return signed_in(user)


def can_moderate(user: Viewer) -> bool:
    return signed_in(user) and is_city_moderator(user)


def can_answer_officially(user: Viewer) -> bool:
    """Status changes with a public message: moderators and city admins."""
    return can_moderate(user)
