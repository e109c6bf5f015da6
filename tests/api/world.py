"""A small city with one of everything the API serves, people in every role,
and the same things in another city (whose ids must always be 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge, StatusChange
from ideas.status import IdeaStatus
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_member
from tests.evaluation.factories import (
    AssignmentFactory,
    ChallengeEvaluationFactory,
    CriterionFactory,
)
from tests.events.factories import EventFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
)
from tests.projects.factories import MilestoneFactory, ProjectFactory, ProjectUpdateFactory
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    OfferFactory,
    SponsorFactory,
    SponsorMembershipFactory,
)

ROLES = ("anon", "citizen", "sponsor", "group_admin", "moderator", "evaluator", "admin", "foreign")


class Things:
    """One of each thing in one city (ids for URLs)."""

    def __init__(self, city: Any, *, author: Any, evaluator: Any) -> None:
        with city_context(city):
            self.category = CategoryFactory()
            self.district = DistrictFactory()
            self.challenge = ChallengeFactory(phase=Challenge.Phase.IDEAS)
            self.challenge.categories.add(self.category)
            self.idea = IdeaFactory(
                challenge=self.challenge,
                author=author,
                category=self.category,
                district=self.district,
                support_count=0,
            )
            self.comment = CommentFactory(idea=self.idea, author=author)
            self.answer = StatusChange.objects.create(
                city=city,
                idea=self.idea,
                from_status="",
                to_status=IdeaStatus.PUBLISHED,
                changed_by=author,
                message="Thank you, we look into it.",
                is_official=True,
            )
            self.group = GroupFactory()
            self.initiative = InitiativeFactory(group=self.group)
            self.need = NeedFactory(initiative=self.initiative, quantity=Decimal("1000"))
            self.sponsor = SponsorFactory()
            self.offer = OfferFactory(sponsor=self.sponsor, need=self.need)
            self.evaluation = ChallengeEvaluationFactory()
            self.criterion = CriterionFactory(rubric=self.evaluation.rubric)
            self.eval_idea = IdeaFactory(
                challenge=self.evaluation.challenge, status=IdeaStatus.UNDER_EVALUATION
            )
            self.assignment = AssignmentFactory(idea=self.eval_idea, evaluator=evaluator)
            self.project = ProjectFactory(category=self.category, district=self.district)
            self.milestone = MilestoneFactory(project=self.project)
            self.project_update = ProjectUpdateFactory(project=self.project, author=author)
            self.event = EventFactory(challenge=self.challenge)
            self.notification = Notification.objects.create(
                city=city, recipient=author, kind="idea_published", payload={"title": "T"}
            )


class World:
    def __init__(self, city: Any, other_city: Any) -> None:
        self.city, self.other_city = city, other_city
        self.users = {
            "citizen": make_member(city, Role.CITIZEN),
            "sponsor": make_member(city, Role.CITIZEN),
            "group_admin": make_member(city, Role.CITIZEN),
            "moderator": make_member(city, Role.MODERATOR),
            "evaluator": make_member(city, Role.EVALUATOR),
            "admin": make_member(city, Role.CITY_ADMIN),
            "foreign": make_member(other_city, Role.CITY_ADMIN),
        }
        self.here = Things(city, author=self.users["citizen"], evaluator=self.users["evaluator"])
        other_evaluator = make_member(other_city, Role.EVALUATOR)
        self.there = Things(other_city, author=self.users["foreign"], evaluator=other_evaluator)
        with city_context(city):
            SponsorMembershipFactory(sponsor=self.here.sponsor, user=self.users["sponsor"])
            GroupMembershipFactory(group=self.here.group, user=self.users["group_admin"])
        self._clients: dict[str, ApiClient] = {}

    def client(self, role: str) -> ApiClient:
        if role not in self._clients:
            user = self.users.get(role)
            token = token_for(user, self.city) if user is not None else None
            self._clients[role] = ApiClient(self.city, token)
        return self._clients[role]

    def ids(self, things: Things) -> dict[str, int]:
        return {
            "category": things.category.pk,
            "district": things.district.pk,
            "challenge": things.challenge.pk,
            "idea": things.idea.pk,
            "comment": things.comment.pk,
            "answer": things.answer.pk,
            "group": things.group.pk,
            "initiative": things.initiative.pk,
            "need": things.need.pk,
            "sponsor": things.sponsor.pk,
            "offer": things.offer.pk,
            "assignment": things.assignment.pk,
            "eval_challenge": things.evaluation.challenge_id,
            "eval_idea": things.eval_idea.pk,
            "criterion": things.criterion.pk,
            "notification": things.notification.pk,
            "project": things.project.pk,
            "event": things.event.pk,
        }
