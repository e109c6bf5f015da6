"""The rules of ideas and their queryset twins agree, for every role and
every status: ``can_view_idea(user, idea)`` ⇔ ``idea in
Idea.objects.visible_to(user)``, and ``idea.is_public`` ⇔ ``idea in
Idea.objects.public()`` (docs/architecture.md, "Apps and their seams")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import rules, selectors
from ideas.models import Idea
from ideas.status import PUBLIC_STATUSES, IdeaStatus
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory
from tests.twins import disagreements, fresh, leaks

pytestmark = pytest.mark.django_db


class World:
    """Riverton with one idea in every status by ``author`` and one by
    somebody else, people in every role; Lakeside with its own ideas and
    staff (who are nobody in Riverton)."""

    def __init__(self, riverton, lakeside) -> None:
        self.riverton = riverton
        author = make_member(riverton)
        self.people = {
            "anonymous": AnonymousUser(),
            "citizen": make_member(riverton),
            "author": author,
            "moderator": make_member(riverton, Role.MODERATOR),
            "evaluator": make_member(riverton, Role.EVALUATOR),
            "city admin": make_member(riverton, Role.CITY_ADMIN),
            "superuser": UserFactory(is_superuser=True),
            "no membership": UserFactory(),
            "lakeside moderator": make_member(lakeside, Role.MODERATOR),
            "lakeside city admin": make_member(lakeside, Role.CITY_ADMIN),
            "deactivated moderator": make_member(riverton, Role.MODERATOR, is_active=False),
            "deactivated author": None,
        }
        with city_context(riverton):
            self.challenge = ChallengeFactory()
            other = make_member(riverton)
            self.ideas = {}
            for status in IdeaStatus.values:
                for whose, by in (("author's", author), ("other's", other)):
                    idea = IdeaFactory(challenge=self.challenge, author=by, status=status)
                    self.ideas[f"{whose} {status}"] = idea
            gone = make_member(riverton, is_active=False)
            self.people["deactivated author"] = gone
            for status in IdeaStatus.values:
                idea = IdeaFactory(challenge=self.challenge, author=gone, status=status)
                self.ideas[f"deactivated author's {status}"] = idea
        with city_context(lakeside):
            lakeside_author = self.people["lakeside moderator"]
            self.foreign = [
                IdeaFactory(author=lakeside_author, status=status) for status in IdeaStatus.values
            ]


@pytest.fixture
def in_riverton(city, other_city):
    world = World(city, other_city)
    with city_context(city):
        yield world


def test_can_view_idea_agrees_with_visible_to(in_riverton):
    w = in_riverton
    found = disagreements(w.people, w.ideas, rules.can_view_idea, Idea.objects.visible_to)
    assert found == []


def test_the_selector_is_the_queryset(in_riverton):
    """Other apps call ``selectors.visible_ideas``: the same rows, the same SQL."""
    for person in in_riverton.people.values():
        user = fresh(person)
        assert str(selectors.visible_ideas(user).query) == str(Idea.objects.visible_to(user).query)
    assert str(selectors.public_ideas().query) == str(Idea.objects.public().query)


def test_is_public_agrees_with_public(in_riverton):
    public = set(Idea.objects.public().values_list("pk", flat=True))
    for label, idea in in_riverton.ideas.items():
        assert idea.is_public == (idea.pk in public), label
    assert {i.status for i in Idea.objects.public()} == set(PUBLIC_STATUSES)


def test_anonymous_sees_exactly_the_public_ideas(in_riverton):
    assert set(Idea.objects.visible_to(AnonymousUser())) == set(Idea.objects.public())
    assert set(Idea.objects.visible_to(None)) == set(Idea.objects.public())


def test_another_citys_ideas_are_in_no_list(in_riverton):
    w = in_riverton
    assert leaks(w.people, w.foreign, Idea.objects.visible_to) == []
    assert leaks({"public": None}, w.foreign, lambda _user: Idea.objects.public()) == []


def test_in_challenge_keeps_to_the_challenge_and_composes(in_riverton):
    w = in_riverton
    with city_context(w.riverton):
        elsewhere = IdeaFactory(challenge=ChallengeFactory())
    ours = set(Idea.objects.in_challenge(w.challenge))
    assert elsewhere not in ours and ours == set(w.ideas.values())
    assert set(Idea.objects.in_challenge(w.challenge.pk)) == ours
    assert set(Idea.objects.public().in_challenge(elsewhere.challenge)) == {elsewhere}
    moderator = fresh(w.people["moderator"])
    assert set(Idea.objects.in_challenge(w.challenge).visible_to(moderator)) == ours


def test_a_public_list_costs_one_query(in_riverton, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Idea.objects.public().in_challenge(in_riverton.challenge))
