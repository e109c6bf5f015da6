"""A person who took part in two cities in every way the platform records:
the shared world of the data export and account deletion tests."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from civicideas.accounts.services import profile_ensure, profile_update
from civicideas.api.tokens import token_issue
from civicideas.notifications.models import Notification, NotificationPreference
from civicideas.tenancy.context import city_context
from civicideas.tenancy.roles import Role
from evaluation.models import EvaluationAuditLog
from ideas import services as idea_services
from ideas.models import Idea, IdeaImage, ModerationAction
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.evaluation.factories import AssignmentFactory
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, CommentFactory, FollowFactory, IdeaFactory
from tests.sponsors.factories import GroupFactory, GroupMembershipFactory, OfferFactory

EMAIL = "zelda.quintessa@example.org"
NAME = "Zelda Quintessa"


class Participation:
    """Zelda takes part in Riverton (as citizen and moderator) and Lakeside."""

    def __init__(self, riverton, lakeside) -> None:
        self.riverton, self.lakeside = riverton, lakeside
        self.zelda = make_member(riverton, Role.CITIZEN, Role.MODERATOR, email=EMAIL)
        self.other = make_member(riverton, Role.CITIZEN, email="other@example.org")
        zelda, other = self.zelda, self.other
        with city_context(riverton):
            profile_update(user=zelda, display_name=NAME, preferred_language="en")
            profile_ensure(user=other)
            challenge = ChallengeFactory()
            self.own_idea = IdeaFactory(challenge=challenge, author=zelda, title="Zelda's bench")
            name = default_storage.save("ideas/2026/12/bench.png", ContentFile(b"png"))
            IdeaImage.objects.create(city=riverton, idea=self.own_idea, image=name)
            self.image_name = name
            self.others_idea = IdeaFactory(challenge=challenge, author=other)
            idea_services.idea_support(idea=self.others_idea, user=zelda)
            # Someone else supports it too (its author may not).
            third = make_member(riverton, Role.CITIZEN, email="third@example.org")
            idea_services.idea_support(idea=self.others_idea, user=third)
            idea_services.idea_support(idea=self.own_idea, user=other)
            self.comment = idea_services.comment_create(
                idea=self.others_idea, author=zelda, body="I like it", language="en"
            )
            self.reply = CommentFactory(
                idea=self.others_idea, author=other, parent=self.comment, body="Thanks!"
            )
            Idea.objects.filter(pk=self.others_idea.pk).update(comment_count=2)
            idea_services.report_create(reporter=zelda, reason="spam?", idea=self.others_idea)
            FollowFactory(user=zelda)
            idea_services.idea_set_status(
                idea=self.others_idea,
                by=zelda,
                status=IdeaStatus.UNDER_EVALUATION,
                message="We study it.",
            )
            ModerationAction.objects.create(
                city=riverton, idea=self.others_idea, action="approve", moderator=zelda
            )
            AssignmentFactory(idea=self.others_idea, evaluator=zelda)
            EvaluationAuditLog.objects.create(
                city=riverton, action="assigned", actor=zelda, subject=f"idea → {EMAIL}"
            )
            NotificationPreference.objects.create(
                city=riverton, user=zelda, kind="idea_commented", channel="off"
            )
            Notification.objects.create(city=riverton, recipient=zelda, kind="idea_commented")
            group = GroupFactory(created_by=zelda, contact_email=EMAIL.upper())
            GroupMembershipFactory(group=group, user=zelda)
            OfferFactory(made_by=zelda, message=f"Write to {EMAIL}")
            token_issue(user=zelda)
        with city_context(lakeside):
            profile_update(user=zelda, display_name=NAME, preferred_language="fr")
            self.lakeside_idea = IdeaFactory(author=zelda, title="Lakeside swim")
            theirs = IdeaFactory(author=UserFactory())
            idea_services.idea_support(idea=theirs, user=zelda)
            self.lakeside_theirs = theirs
