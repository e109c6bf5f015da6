"""The rules of ideas, supports, comments, reports, moderation and answers."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Comment, Idea, ModerationAction, Report, StatusChange, Support
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    IdeaFactory,
    SupportFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(city):
    with city_context(city):
        yield city


@pytest.fixture
def citizen(ctx):
    return make_member(ctx, Role.CITIZEN)


@pytest.fixture
def moderator(ctx):
    return make_member(ctx, Role.MODERATOR)


def submit(author, challenge, **kwargs):
    fields = {"title": "More benches", "body": "Along the river.", "language": "en"} | kwargs
    return services.idea_submit(author=author, challenge=challenge, **fields)


def test_submit_publishes_records_timeline_and_notifies(ctx, citizen):
    challenge = ChallengeFactory()
    idea = submit(citizen, challenge)
    assert idea.status == IdeaStatus.PUBLISHED
    assert idea.published_at is not None
    assert list(idea.status_changes.values_list("from_status", "to_status")) == [
        ("submitted", "published")
    ]
    assert Notification.objects.get().kind == "idea_published"
    assert idea.author.profiles.get().city == ctx
    assert Idea.objects.filter(search_vector__isnull=False).count() == 1


def test_premoderated_challenge_holds_the_idea(ctx, citizen):
    idea = submit(citizen, ChallengeFactory(premoderation=True))
    assert idea.status == IdeaStatus.PENDING
    assert idea.published_at is None


def test_double_submit_with_same_token_creates_one_idea(ctx, citizen):
    challenge, token = ChallengeFactory(), uuid.uuid4()
    first = submit(citizen, challenge, submission_token=token)
    second = submit(citizen, challenge, submission_token=token)
    assert first.pk == second.pk
    assert Idea.objects.count() == 1


def test_already_submitted_finds_only_the_authors_idea_for_the_token(ctx, citizen):
    challenge, token = ChallengeFactory(), uuid.uuid4()
    assert services.idea_already_submitted(author=citizen, submission_token=token) is None
    idea = submit(citizen, challenge, submission_token=token)
    found = services.idea_already_submitted(author=citizen, submission_token=token)
    assert found is not None and found.pk == idea.pk
    other = make_member(ctx, Role.CITIZEN)
    assert services.idea_already_submitted(author=other, submission_token=token) is None
    assert services.idea_already_submitted(author=citizen, submission_token=uuid.uuid4()) is None


def test_without_a_token_nothing_counts_as_already_submitted(ctx, citizen):
    submit(citizen, ChallengeFactory())
    assert services.idea_already_submitted(author=citizen, submission_token=None) is None
    submit(citizen, ChallengeFactory())
    assert Idea.objects.count() == 2


@pytest.mark.parametrize("phase", ["draft", "supports", "evaluation", "results", "closed"])
def test_submit_refused_outside_ideas_phase(ctx, citizen, phase):
    with pytest.raises(NotAllowed):
        submit(citizen, ChallengeFactory(phase=phase))
    assert Idea.objects.count() == 0


def test_submit_refused_without_verified_email(ctx):
    unverified = UserFactory(verified=False)
    with pytest.raises(NotAllowed, match="Verify"):
        submit(unverified, ChallengeFactory())


def test_max_ideas_per_person(ctx, citizen):
    challenge = ChallengeFactory(max_ideas_per_person=1)
    submit(citizen, challenge)
    with pytest.raises(NotAllowed, match="limit"):
        submit(citizen, challenge, title="Second")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "cannot be empty"),
        ({"title": "x" * 151}, "too long"),
        ({"title": "🌳" * 150}, None),  # 150 characters (600 bytes) is fine
        ({"body": "a\x00b"}, "not allowed"),
        ({"body": "\ud800"}, "not allowed"),
        ({"body": "x" * 10_000_000}, "too long"),
        ({"title": "שלום עולם", "body": "e\u0301 combining"}, None),
        ({"latitude": Decimal("50.1")}, "both"),
    ],
)
def test_submit_checks_fields(ctx, citizen, fields, message):
    challenge = ChallengeFactory()
    if message is None:
        idea = submit(citizen, challenge, **fields)
        assert idea.title == fields["title"]
        return
    with pytest.raises(InvalidInput, match=message):
        submit(citizen, challenge, **fields)
    assert Idea.objects.count() == 0


def test_location_must_be_inside_the_city(ctx, citizen):
    ctx.min_latitude, ctx.max_latitude = Decimal("50"), Decimal("51")
    ctx.min_longitude, ctx.max_longitude = Decimal("4"), Decimal("5")
    ctx.save()
    challenge = ChallengeFactory()
    with pytest.raises(InvalidInput, match="inside"):
        submit(citizen, challenge, latitude=Decimal("48.85"), longitude=Decimal("2.35"))
    idea = submit(citizen, challenge, latitude=Decimal("50.5"), longitude=Decimal("4.5"))
    assert idea.latitude == Decimal("50.5")


def test_category_of_another_city_is_refused(ctx, citizen, other_city):
    with city_context(other_city):
        foreign = CategoryFactory()
    with pytest.raises(InvalidInput, match="categories"):
        submit(citizen, ChallengeFactory(), category=foreign)


def test_category_outside_the_challenge_is_refused(ctx, citizen):
    challenge = ChallengeFactory()
    challenge.categories.add(CategoryFactory())
    with pytest.raises(InvalidInput):
        submit(citizen, challenge, category=CategoryFactory())


def test_support_once_and_unsupport_keep_count_equal_to_rows(ctx, citizen):
    idea = IdeaFactory()
    assert services.idea_support(idea=idea, user=citizen) is True
    assert services.idea_support(idea=idea, user=citizen) is False
    idea.refresh_from_db()
    assert idea.support_count == 1 == Support.objects.filter(idea=idea).count()
    assert services.idea_unsupport(idea=idea, user=citizen) is True
    assert services.idea_unsupport(idea=idea, user=citizen) is False
    idea.refresh_from_db()
    assert idea.support_count == 0 == Support.objects.filter(idea=idea).count()


@pytest.mark.parametrize(
    "setup",
    [
        {"challenge__phase": Challenge.Phase.EVALUATION},
        {"challenge__supports_enabled": False},
        {"status": IdeaStatus.HIDDEN},
        {"status": IdeaStatus.WITHDRAWN},
        {"status": IdeaStatus.PENDING},
    ],
)
def test_support_refused_when_closed_or_not_public(ctx, citizen, setup):
    idea = IdeaFactory(**setup)
    with pytest.raises(NotAllowed):
        services.idea_support(idea=idea, user=citizen)
    assert Support.objects.count() == 0


def test_comment_reply_edit_delete(ctx, citizen):
    idea = IdeaFactory()
    other = make_member(ctx, Role.CITIZEN)
    top = services.comment_create(idea=idea, author=other, body="Yes!")
    reply = services.comment_create(idea=idea, author=citizen, body="Agreed", parent=top)
    nested = services.comment_create(idea=idea, author=other, body="Deeper", parent=reply)
    assert nested.parent == top  # one level of replies
    idea.refresh_from_db()
    assert idea.comment_count == 3
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds.count("idea_commented") == 3
    assert "comment_replied" in kinds
    services.comment_edit(comment=reply, by=citizen, body="Agreed, strongly")
    with pytest.raises(NotAllowed):
        services.comment_edit(comment=top, by=citizen, body="hijack")
    services.comment_delete(comment=reply, by=citizen)
    idea.refresh_from_db()
    assert idea.comment_count == 2


def test_comment_edit_window_is_fifteen_minutes(ctx, citizen):
    comment = CommentFactory(author=citizen)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)), pytest.raises(NotAllowed):
        services.comment_edit(comment=comment, by=citizen, body="late")


def test_comment_on_closed_challenge_refused(ctx, citizen):
    idea = IdeaFactory(challenge__phase=Challenge.Phase.CLOSED)
    with pytest.raises(NotAllowed):
        services.comment_create(idea=idea, author=citizen, body="hi")
    assert Comment.objects.count() == 0


def test_reports_auto_hide_at_threshold(ctx):
    idea = IdeaFactory(challenge__report_hide_threshold=2)
    first, second = make_member(ctx), make_member(ctx)
    services.report_create(reporter=first, idea=idea, reason="spam")
    with pytest.raises(Conflict):
        services.report_create(reporter=first, idea=idea, reason="spam again")
    services.report_create(reporter=second, idea=idea, reason="<script>alert(1)</script>")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.HIDDEN
    assert ModerationAction.objects.get().action == ModerationAction.Action.AUTO_HIDE


def test_moderation_hide_requires_reason_and_restore_returns_previous_status(ctx, moderator):
    idea = IdeaFactory(status=IdeaStatus.UNDER_EVALUATION)
    with pytest.raises(InvalidInput, match="reason"):
        services.idea_moderate(idea=idea, moderator=moderator, action="hide")
    services.report_create(reporter=make_member(ctx), idea=idea, reason="rude")
    services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Insulting")
    idea.refresh_from_db()
    assert (idea.status, idea.hidden_reason) == (IdeaStatus.HIDDEN, "Insulting")
    assert idea.report_count == 0  # its reports are resolved by the decision
    assert not Report.objects.filter(state=Report.State.OPEN).exists()
    assert Notification.objects.filter(kind="idea_hidden", recipient=idea.author).exists()
    services.idea_moderate(idea=idea, moderator=moderator, action="restore")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNDER_EVALUATION
    assert ModerationAction.objects.count() == 2


def test_citizen_cannot_moderate(ctx, citizen):
    idea = IdeaFactory()
    with pytest.raises(NotAllowed):
        services.idea_moderate(idea=idea, moderator=citizen, action="hide", reason="x")
    with pytest.raises(NotAllowed):
        services.idea_set_status(idea=idea, by=citizen, status="accepted", message="yes")


def test_official_answer_notifies_author_and_supporters(ctx, moderator):
    idea = IdeaFactory()
    supporters = [SupportFactory(idea=idea).user for _ in range(3)]
    services.idea_set_status(
        idea=idea, by=moderator, status=IdeaStatus.ACCEPTED, message="We will do it."
    )
    change = StatusChange.objects.get(is_official=True)
    assert (change.to_status, change.message) == ("accepted", "We will do it.")
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {idea.author_id, *(u.pk for u in supporters)}


def test_disallowed_transition_is_refused(ctx, moderator):
    idea = IdeaFactory(status=IdeaStatus.PUBLISHED)
    with pytest.raises(InvalidInput, match="cannot become"):
        services.idea_set_status(idea=idea, by=moderator, status="implemented", message="done")
    assert StatusChange.objects.count() == 0


def test_duplicate_and_moving_support_is_the_supporters_choice(ctx, moderator, citizen):
    original, duplicate = IdeaFactory(), IdeaFactory()
    services.idea_support(idea=duplicate, user=citizen)
    services.idea_set_status(
        idea=duplicate, by=moderator, status="duplicate", message="Same", duplicate_of=original
    )
    original.refresh_from_db()
    assert original.support_count == 0  # never moved silently
    services.support_move_to_original(duplicate=duplicate, user=citizen)
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert (original.support_count, duplicate.support_count) == (1, 0)


def test_withdraw_and_edit_rules(ctx, citizen):
    idea = submit(citizen, ChallengeFactory())
    services.idea_update(idea=idea, by=citizen, title="Better title", body="Better body")
    stranger = make_member(ctx)
    with pytest.raises(NotAllowed):
        services.idea_update(idea=idea, by=stranger, title="Mine now", body="x")
    services.idea_withdraw(idea=idea, by=citizen)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.WITHDRAWN
    with pytest.raises(NotAllowed):
        services.idea_update(idea=idea, by=citizen, title="again", body="x")


def test_report_requires_exactly_one_target(ctx, citizen):
    with pytest.raises(InvalidInput):
        services.report_create(reporter=citizen, reason="x")
    assert Report.objects.count() == 0
