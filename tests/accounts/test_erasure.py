"""Account deletion: after ``erase_person`` nothing in any table of any city
names the person (a sweep over every installed model, so a new model is
covered without touching this file), counters equal their rows, the city's
records keep a role instead of a name, and the address can sign up again."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.functions import Cast
from django.test import Client

from civicideas.accounts.erasure import erase_person, placeholder_email
from civicideas.accounts.models import Profile
from civicideas.tenancy.context import all_cities_context, city_context
from civicideas.tenancy.roles import Role
from evaluation.models import EvaluationAuditLog
from ideas.models import Comment, Idea, IdeaImage, ModerationAction, StatusChange, Support
from ideas.status import IdeaStatus
from tests.accounts.participation import EMAIL, NAME, Participation
from tests.conftest import client_for, host_of, make_member
from tests.evaluation.factories import AssignmentFactory
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db


def sweep(user_id: int, needles: list[str]) -> list[str]:
    """Every column of every model that still holds the person: their id in
    a foreign key to the user, their e-mail or name in any text or JSON."""
    user_model = get_user_model()
    found = []
    with all_cities_context():
        for model in apps.get_models():
            manager = model._base_manager
            for field in model._meta.concrete_fields:
                where = f"{model._meta.label}.{field.name}"
                if field.is_relation and field.related_model is user_model:
                    if manager.filter(**{field.attname: user_id}).exists():
                        found.append(f"{where} = id")
                elif isinstance(field, models.CharField | models.TextField):
                    for needle in needles:
                        if manager.filter(**{f"{field.name}__icontains": needle}).exists():
                            found.append(f"{where} ~ {needle}")
                elif isinstance(field, models.JSONField):
                    text = manager.annotate(_t=Cast(field.name, models.TextField()))
                    for needle in needles:
                        if text.filter(_t__icontains=needle).exists():
                            found.append(f"{where} ~ {needle}")
        if user_model.objects.filter(pk=user_id).exists():
            found.append("user row")
    return found


@pytest.fixture
def world(city, other_city):
    return Participation(city, other_city)


def assert_counters_exact() -> None:
    with all_cities_context():
        for idea in Idea.objects.all():
            assert idea.support_count == Support.objects.filter(idea=idea).count(), idea
            visible = Comment.objects.filter(idea=idea, state=Comment.State.VISIBLE).count()
            assert idea.comment_count == visible, idea


def test_nothing_personal_remains_anywhere(world):
    client = client_for(world.zelda, world.riverton)
    client.get("/")
    user_id = world.zelda.pk
    assert Session.objects.exists()

    erase_person(user=world.zelda, delete_contributions=False)

    assert sweep(user_id, [EMAIL, NAME]) == []
    assert not Session.objects.exists()
    assert_counters_exact()


def test_contributions_stay_under_former_participant(world):
    erase_person(user=world.zelda, delete_contributions=False)
    with city_context(world.riverton):
        idea = Idea.objects.get(pk=world.own_idea.pk)
        assert idea.title == "Zelda's bench" and idea.status == IdeaStatus.PUBLISHED
        assert idea.author.email == placeholder_email("participant")
        assert Profile.objects.get(user=idea.author).display_name == "Former participant"
        assert Comment.objects.get(pk=world.comment.pk).body == "I like it"
        assert IdeaImage.objects.filter(idea=idea).exists()
    with city_context(world.lakeside):
        # Lakeside's language is French: the placeholder reads in French there.
        idea = Idea.objects.get(pk=world.lakeside_idea.pk)
        assert idea.author.email == placeholder_email("participant")


def test_staff_records_keep_the_role_not_the_name(world):
    erase_person(user=world.zelda, delete_contributions=False)
    with city_context(world.riverton):
        answer = StatusChange.objects.get(idea=world.others_idea, is_official=True)
        assert answer.changed_by.email == placeholder_email("moderator")
        assert answer.message == "We study it." and answer.created_at is not None
        action = ModerationAction.objects.get(idea=world.others_idea, action="approve")
        assert action.moderator.email == placeholder_email("moderator")
        entry = EvaluationAuditLog.objects.get(action="assigned")
        assert entry.actor.email == placeholder_email("moderator")
        assert EMAIL not in entry.subject and "Former moderator" in entry.subject


def test_delete_contributions_hides_them_and_keeps_replies(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        erase_person(user=world.zelda, delete_contributions=True)
    with city_context(world.riverton):
        idea = Idea.objects.get(pk=world.own_idea.pk)
        assert idea.status == IdeaStatus.WITHDRAWN
        assert idea.title == "Idea removed by its author" and idea.body == ""
        assert not IdeaImage.objects.filter(idea=idea).exists()
        comment = Comment.objects.get(pk=world.comment.pk)
        assert comment.state == Comment.State.DELETED and comment.body == ""
        reply = Comment.objects.get(pk=world.reply.pk)
        assert reply.state == Comment.State.VISIBLE and reply.parent_id == comment.pk
    assert not default_storage.exists(world.image_name)
    assert sweep(world.zelda.pk, [EMAIL, NAME, "Zelda's bench", "I like it"]) == []
    assert_counters_exact()


def test_supports_are_removed_and_counters_exact(world):
    with city_context(world.riverton):
        assert Idea.objects.get(pk=world.others_idea.pk).support_count == 2
    erase_person(user=world.zelda, delete_contributions=False)
    with city_context(world.riverton):
        assert Idea.objects.get(pk=world.others_idea.pk).support_count == 1
        assert Idea.objects.get(pk=world.own_idea.pk).support_count == 1
    with city_context(world.lakeside):
        assert Idea.objects.get(pk=world.lakeside_theirs.pk).support_count == 0
    assert_counters_exact()


def test_open_report_is_removed_with_its_count(world):
    with city_context(world.riverton):
        assert Idea.objects.get(pk=world.others_idea.pk).report_count == 1
    erase_person(user=world.zelda, delete_contributions=False)
    with city_context(world.riverton):
        assert Idea.objects.get(pk=world.others_idea.pk).report_count == 0


def test_the_address_signs_up_again_as_a_new_person(world):
    old_id = world.zelda.pk
    erase_person(user=world.zelda, delete_contributions=False)
    again = UserFactory(email=EMAIL)
    assert again.pk != old_id
    with city_context(world.riverton):
        assert not Idea.objects.filter(author=again).exists()


def test_two_erased_evaluators_of_one_idea_do_not_collide(city):
    first = make_member(city, Role.EVALUATOR, email="e1@example.org")
    second = make_member(city, Role.EVALUATOR, email="e2@example.org")
    with city_context(city):
        idea = IdeaFactory()
        AssignmentFactory(idea=idea, evaluator=first)
        AssignmentFactory(idea=idea, evaluator=second)
    erase_person(user=first, delete_contributions=False)
    erase_person(user=second, delete_contributions=False)
    with city_context(city):
        evaluators = {a.evaluator.email for a in idea.assignments.all()}
    assert len(evaluators) == 2
    assert all(e.startswith("former-evaluator") for e in evaluators)


def test_placeholders_cannot_sign_in_or_hold_roles(world):
    erase_person(user=world.zelda, delete_contributions=False)
    placeholder = get_user_model().objects.get(email=placeholder_email("participant"))
    assert not placeholder.is_active and not placeholder.has_usable_password()
    assert not placeholder.is_staff
    erase_person(user=placeholder, delete_contributions=False)  # refused quietly
    assert get_user_model().objects.filter(pk=placeholder.pk).exists()


def test_cached_public_pages_forget_the_name(world, django_capture_on_commit_callbacks):
    anonymous = Client(HTTP_HOST=host_of(world.riverton))
    page = f"/ideas/{world.others_idea.pk}/"
    assert NAME in anonymous.get(page).content.decode()  # now in the page cache
    with django_capture_on_commit_callbacks(execute=True):
        erase_person(user=world.zelda, delete_contributions=False)
    text = anonymous.get(page).content.decode()
    assert NAME not in text and "Former participant" in text
