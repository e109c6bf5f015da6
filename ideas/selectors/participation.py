"""A person's own participation: their ideas, supports and comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ideas.models import Comment, Idea, Support
from ideas.status import PUBLIC_STATUS_LIST

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def my_ideas(user: User, limit: int = 100) -> list[Idea]:
    return list(
        Idea.objects.filter(author=user)
        .select_related("challenge")
        .order_by("-created_at", "-pk")[:limit]
    )


def my_supports(user: User, limit: int = 100) -> list[Support]:
    return list(
        Support.objects.filter(user=user, idea__status__in=PUBLIC_STATUS_LIST)
        .select_related("idea", "idea__challenge")
        .order_by("-created_at", "-pk")[:limit]
    )


def my_comments(user: User, limit: int = 100) -> list[Comment]:
    return list(
        Comment.objects.filter(author=user)
        .exclude(state=Comment.State.DELETED)
        .select_related("idea")
        .order_by("-created_at", "-pk")[:limit]
    )
