"""The ideas app's part of a person's data in one city (registered in
``IdeasConfig.ready``; see ``civicideas.accounts.personal_data``).

Erasure rules kept here, because they are this app's counters and pages:

* supports are removed, then ``Idea.support_count`` lowered under the
  ideas' row locks (the lock ``idea_support`` takes for its counter), ideas
  in id order, so the count equals the rows even while others support the
  same ideas;
* open reports are removed with their ``report_count``;
* with ``delete_contributions`` the person's ideas are withdrawn and their
  text replaced by a placeholder (images deleted), and their comments are
  marked deleted with an empty body (replies by others stay, under the
  usual "deleted" placeholder), keeping ``comment_count`` equal to the
  visible comments. Otherwise both stay, under "Former participant";
* official answers and moderation actions the person made as staff are
  records the city keeps: they point at "Former <role>".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import translation
from django.utils.translation import gettext as _

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from civicideas.tenancy.context import current_city
from civicideas.web.page_cache import bump_on_commit
from ideas import cache_keys
from ideas.models import (
    Comment,
    Follow,
    Idea,
    IdeaImage,
    ModerationAction,
    Report,
    StatusChange,
    Support,
)
from ideas.status import IdeaStatus


class IdeasContributor:
    label = "ideas"
    staff_fields = frozenset(
        {
            "ideas.StatusChange.changed_by",
            "ideas.ModerationAction.moderator",
            # Ideas staff typed in for someone, and their invitations to claim.
            "ideas.Idea.entered_by",
            "ideas.IdeaInvitation.created_by",
            # Who uploaded a file of ideas (docs/offline.md, "Bulk import").
            "ideas.ImportBatch.created_by",
        }
    )

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        ideas = Idea.objects.filter(author=user).select_related("challenge").order_by("pk")
        yield Records(
            "ideas",
            (
                {
                    "id": i.pk,
                    "challenge": i.challenge.title,
                    "title": i.title,
                    "body": i.body,
                    "language": i.language,
                    "status": i.status,
                    "latitude": iso(i.latitude),
                    "longitude": iso(i.longitude),
                    "supports": i.support_count,
                    "comments": i.comment_count,
                    "created_at": iso(i.created_at),
                    "published_at": iso(i.published_at),
                }
                for i in ideas.iterator()
            ),
        )
        images = IdeaImage.objects.filter(idea__author=user).order_by("pk")
        yield Records(
            "images",
            (
                {"idea": m.idea_id, "file": f"images/{m.image.name}", "alt_text": m.alt_text}
                for m in images.iterator()
            ),
        )
        for image in images.iterator():
            if image.image.name:
                yield StoredFile(f"images/{image.image.name}", image.image.name)
        yield Records(
            "comments",
            (
                {
                    "id": c.pk,
                    "idea": c.idea_id,
                    "reply_to": c.parent_id,
                    "body": c.body,
                    "state": c.state,
                    "created_at": iso(c.created_at),
                    "edited_at": iso(c.edited_at),
                }
                for c in Comment.objects.filter(author=user).order_by("pk").iterator()
            ),
        )
        yield Records(
            "supports",
            (
                {"idea": s.idea_id, "title": s.idea.title, "created_at": iso(s.created_at)}
                for s in Support.objects.filter(user=user)
                .select_related("idea")
                .order_by("pk")
                .iterator()
            ),
        )
        yield Records(
            "follows",
            (
                {
                    "category": f.category.name if f.category_id else None,
                    "created_at": iso(f.created_at),
                }
                for f in Follow.objects.filter(user=user).select_related("category").order_by("pk")
            ),
        )
        yield Records(
            "reports",
            (
                {
                    "idea": r.idea_id,
                    "comment": r.comment_id,
                    "reason": r.reason,
                    "state": r.state,
                    "created_at": iso(r.created_at),
                }
                for r in Report.objects.filter(reporter=user).order_by("pk").iterator()
            ),
        )
        yield Records(
            "status_changes_made",
            (
                {
                    "idea": s.idea_id,
                    "from": s.from_status,
                    "to": s.to_status,
                    "message": s.message,
                    "official": s.is_official,
                    "created_at": iso(s.created_at),
                }
                for s in StatusChange.objects.filter(changed_by=user).order_by("pk").iterator()
            ),
        )
        yield Records(
            "moderation_actions",
            (
                {
                    "idea": m.idea_id,
                    "comment": m.comment_id,
                    "action": m.action,
                    "reason": m.reason,
                    "created_at": iso(m.created_at),
                }
                for m in ModerationAction.objects.filter(moderator=user).order_by("pk").iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        # Cached public pages that show the person's name (their comments,
        # their official answers) render afresh once this commits.
        city_id = current_city().pk
        shown_on = set(
            Comment.objects.filter(author=user).values_list("idea_id", flat=True).distinct()
        ) | set(StatusChange.objects.filter(changed_by=user).values_list("idea_id", flat=True))
        bump_on_commit(
            cache_keys.city_scope(city_id),  # the home lists official answers
            *(cache_keys.idea_scope(city_id, pk) for pk in sorted(shown_on)),
        )
        _remove_supports(user)
        _remove_open_reports(user)
        # The author's own steps (submitting, withdrawing) are not staff records.
        StatusChange.objects.filter(changed_by=user, idea__author=user).update(
            changed_by=options.participant
        )
        if options.delete_contributions:
            _hide_ideas(user)
            _hide_comments(user)
        for idea in Idea.objects.filter(author=user).select_related("challenge"):
            cache_keys.idea_changed(idea)


def _remove_supports(user: Any) -> None:
    """The rows first, then the ideas locked in id order and their counters
    lowered: the order every support path takes (``ideas.services.supports``),
    so erasure and a support on the same idea cannot deadlock."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Support._meta.db_table} "  # noqa: S608
            "WHERE city_id = %s AND user_id = %s RETURNING idea_id",
            [current_city().pk, user.pk],
        )
        idea_ids = sorted(row[0] for row in cursor.fetchall())
    if not idea_ids:
        return
    list(Idea.objects.filter(pk__in=idea_ids).order_by("pk").select_for_update())
    Idea.objects.filter(pk__in=idea_ids).update(support_count=F("support_count") - 1)


def _remove_open_reports(user: Any) -> None:
    reports = Report.objects.filter(reporter=user, state=Report.State.OPEN)
    idea_ids = list(reports.filter(idea__isnull=False).values_list("idea_id", flat=True))
    comment_ids = list(reports.filter(comment__isnull=False).values_list("comment_id", flat=True))
    list(Idea.objects.filter(pk__in=idea_ids).order_by("pk").select_for_update())
    list(Comment.objects.filter(pk__in=comment_ids).order_by("pk").select_for_update())
    Idea.objects.filter(pk__in=idea_ids).update(report_count=Greatest(F("report_count") - 1, 0))
    Comment.objects.filter(pk__in=comment_ids).update(
        report_count=Greatest(F("report_count") - 1, 0)
    )
    reports.delete()


def _hide_ideas(user: Any) -> None:
    ideas = list(Idea.objects.filter(author=user).order_by("pk").select_for_update())
    if not ideas:
        return
    with translation.override(current_city().default_language):
        placeholder = _("Idea removed by its author")
    images = IdeaImage.objects.filter(idea__in=ideas)
    for name in images.values_list("image", flat=True):
        if name:
            transaction.on_commit(lambda name=name: default_storage.delete(name))
    images.delete()
    Idea.objects.filter(pk__in=[i.pk for i in ideas]).update(
        title=placeholder,
        body="",
        latitude=None,
        longitude=None,
        search_vector=None,
        status_before_hidden="",
        hidden_reason="",
        status=IdeaStatus.WITHDRAWN,
    )


def _hide_comments(user: Any) -> None:
    comments = list(
        Comment.objects.filter(author=user).order_by("idea_id", "pk").select_for_update()
    )
    visible = [c.idea_id for c in comments if c.state == Comment.State.VISIBLE]
    list(Idea.objects.filter(pk__in=set(visible)).order_by("pk").select_for_update())
    for idea_id in set(visible):
        Idea.objects.filter(pk=idea_id).update(
            comment_count=Greatest(F("comment_count") - visible.count(idea_id), 0)
        )
    Comment.objects.filter(Q(author=user)).update(
        body="", hidden_reason="", state=Comment.State.DELETED
    )
    for comment in comments:
        cache_keys.comments_changed(comment)


CONTRIBUTOR = IdeasContributor()
