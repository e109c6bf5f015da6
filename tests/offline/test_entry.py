"""Staff enter an idea given on paper, at a workshop or by phone
(``services.idea_submit`` with ``entered_by``), and the staff page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Channel, Idea, IdeaInvitation, IdeaSearchEntry, StatusChange
from ideas.status import IdeaStatus
from tests.conftest import client_for, host_of, make_member
from tests.factories import UserFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory, DistrictFactory

pytestmark = pytest.mark.django_db

URL = "/staff/ideas/new/"


@pytest.fixture
def challenge(city):
    with city_context(city):
        return ChallengeFactory(slug="green", title="A greener Riverton")


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR)


def enter(city, moderator, challenge, **overrides):
    kwargs = {
        "entered_by": moderator,
        "author": None,
        "challenge": challenge,
        "title": "A bench by the river",
        "body": "Written on the paper form at the library.",
        "language": "en",
        "channel": Channel.PAPER,
        "channel_date": timezone.localdate() - timedelta(days=3),
        "consent_to_publish": True,
        "submission_token": uuid.uuid4(),
    }
    kwargs.update(overrides)
    with city_context(city):
        return services.idea_submit(**kwargs)


# --- the service -----------------------------------------------------------


def test_anonymous_paper_idea_goes_through_the_same_pipeline(city, moderator, challenge):
    idea = enter(city, moderator, challenge)
    with city_context(city):
        idea.refresh_from_db()
        assert idea.author_id is None
        assert idea.entered_by_id == moderator.pk
        assert idea.channel == Channel.PAPER
        assert idea.status == IdeaStatus.PUBLISHED
        assert idea.search_vector is not None
        assert IdeaSearchEntry.objects.filter(idea=idea).exists()
        change = StatusChange.objects.get(idea=idea)
        assert change.changed_by_id == moderator.pk
        assert Notification.objects.count() == 0  # nobody to tell
        # Queryable by channel (statistics come later).
        assert Idea.objects.filter(channel=Channel.PAPER).count() == 1


def test_premoderated_challenge_holds_the_idea(city, moderator):
    with city_context(city):
        challenge = ChallengeFactory(premoderation=True)
    idea = enter(city, moderator, challenge)
    assert idea.status == IdeaStatus.PENDING


def test_existing_account_is_author_and_hears_of_it(city, moderator, challenge):
    person = UserFactory(verified=False)  # no verified e-mail: staff vouched
    idea = enter(city, moderator, challenge, author=person, channel=Channel.PHONE)
    with city_context(city):
        assert idea.author_id == person.pk
        assert Notification.objects.filter(recipient=person).count() == 1


def test_same_token_makes_one_idea(city, moderator, challenge):
    token = uuid.uuid4()
    first = enter(city, moderator, challenge, submission_token=token)
    again = enter(city, moderator, challenge, submission_token=token)
    assert first.pk == again.pk


def test_invitation_is_sent_after_commit(
    city, moderator, challenge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        idea = enter(city, moderator, challenge, invite_email="ana@example.org")
    with city_context(city):
        invitation = IdeaInvitation.objects.get(idea=idea)
    assert invitation.email == "ana@example.org"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert "/ideas/claim/" in mail.outbox[0].body
    assert "http://riverton.localhost" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"consent_to_publish": False}, InvalidInput),
        ({"channel": Channel.WEB}, InvalidInput),
        ({"channel": "carrier-pigeon"}, InvalidInput),
        ({"channel_date": timezone.localdate() + timedelta(days=2)}, InvalidInput),
        ({"channel_date": timezone.localdate() - timedelta(days=1000)}, InvalidInput),
        ({"invite_email": "not an address"}, InvalidInput),
        ({"title": "   "}, InvalidInput),
        ({"title": "x" * 151}, InvalidInput),
    ],
)
def test_service_refuses_bad_entries(city, moderator, challenge, overrides, error):
    with pytest.raises(error):
        enter(city, moderator, challenge, **overrides)
    with city_context(city):
        assert Idea.objects.count() == 0
        assert IdeaInvitation.objects.count() == 0


def test_author_and_invitation_together_refused(city, moderator, challenge):
    with pytest.raises(InvalidInput):
        enter(city, moderator, challenge, author=UserFactory(), invite_email="a@example.org")


def test_other_citys_category_refused(city, other_city, moderator, challenge):
    with city_context(other_city):
        foreign = CategoryFactory()
    with pytest.raises(InvalidInput):
        enter(city, moderator, challenge, category=foreign)


@pytest.mark.parametrize("role", [None, Role.CITIZEN, Role.EVALUATOR])
def test_only_moderators_and_admins_enter(city, challenge, role):
    user = make_member(city, role) if role else UserFactory()
    with pytest.raises(NotAllowed):
        enter(city, user, challenge)


def test_city_admin_enters(city, challenge):
    admin = make_member(city, Role.CITY_ADMIN)
    assert enter(city, admin, challenge).entered_by_id == admin.pk


def test_other_citys_moderator_cannot_enter(city, other_city, challenge):
    foreign = make_member(other_city, Role.MODERATOR)
    with pytest.raises(NotAllowed):
        enter(city, foreign, challenge)


def test_closed_challenge_refused(city, moderator):
    with city_context(city):
        challenge = ChallengeFactory(phase=Challenge.Phase.EVALUATION)
    with pytest.raises(NotAllowed):
        enter(city, moderator, challenge)


def test_citizens_cannot_smuggle_a_channel(city, challenge):
    citizen = make_member(city, Role.CITIZEN)
    with city_context(city), pytest.raises(NotAllowed):
        services.idea_submit(
            author=citizen,
            challenge=challenge,
            title="Mine",
            body="Mine",
            language="en",
            channel=Channel.WORKSHOP,
        )


# --- the page ----------------------------------------------------------------


def form_data(challenge, /, **overrides):
    data = {
        "challenge": str(challenge.pk),
        "channel": "workshop",
        "channel_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "title": "Shade on the market square",
        "body": "Said at the Tuesday workshop.",
        "language": "en",
        "author_mode": "anonymous",
        "email": "",
        "consent": "on",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_page_enters_an_idea_and_the_idea_page_says_how(city, moderator, challenge):
    client = client_for(moderator, city)
    page = client.get(URL)
    assert page.status_code == 200
    assert "A greener Riverton" in page.content.decode()
    response = client.post(URL, form_data(challenge))
    assert response.status_code == 302
    with city_context(city):
        idea = Idea.objects.get()
    assert response["Location"] == f"/ideas/{idea.pk}/"
    public = Client(HTTP_HOST=host_of(city)).get(f"/ideas/{idea.pk}/").content.decode()
    assert "Submitted at a workshop on" in public
    assert "a resident" in public


def test_page_with_existing_account(city, moderator, challenge):
    person = UserFactory(email="Ana@Example.org")
    client = client_for(moderator, city)
    data = form_data(challenge, author_mode="existing", email="ana@example.org")
    assert client.post(URL, data).status_code == 302
    with city_context(city):
        assert Idea.objects.get().author_id == person.pk


def test_page_with_unknown_account_is_a_form_error(city, moderator, challenge):
    client = client_for(moderator, city)
    data = form_data(challenge, author_mode="existing", email="nobody@example.org")
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "No account uses this address" in response.content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {"consent": None},
        {"challenge": "999999999"},
        {"challenge": "\uff11"},  # a full-width digit one
        {"challenge": "x" * 5000},
        {"category": "999999"},
        {"district": "-1"},
        {"channel": "web"},
        {"channel_date": "2026-02-30"},
        {"author_mode": "invite", "email": "not-an-email"},
        {"author_mode": "invite", "email": ""},
        {"author_mode": "god"},
        {"submission_token": None},
        {"title": "t" * 10_000},
        {"latitude": "50.8"},
    ],
)
def test_hostile_posts_write_nothing(city, moderator, challenge, overrides):
    with city_context(city):
        CategoryFactory()
        DistrictFactory()
    response = client_for(moderator, city).post(URL, form_data(challenge, **overrides))
    assert response.status_code == 400
    with city_context(city):
        assert Idea.objects.count() == 0


def test_other_citys_challenge_and_category_ids(city, other_city, moderator, challenge):
    with city_context(other_city):
        foreign_challenge = ChallengeFactory()
        foreign_category = CategoryFactory()
        foreign_district = DistrictFactory()
    with city_context(city):
        CategoryFactory()
        DistrictFactory()
    client = client_for(moderator, city)
    for overrides in (
        {"challenge": str(foreign_challenge.pk)},
        {"category": str(foreign_category.pk)},
        {"district": str(foreign_district.pk)},
    ):
        assert client.post(URL, form_data(challenge, **overrides)).status_code == 400
    with city_context(city):
        assert Idea.objects.count() == 0


def test_category_of_another_challenge_is_a_form_error(city, moderator, challenge):
    with city_context(city):
        mine, elsewhere = CategoryFactory(), CategoryFactory()
        challenge.categories.add(mine)
    data = form_data(challenge, category=str(elsewhere.pk))
    response = client_for(moderator, city).post(URL, data)
    assert response.status_code == 400
    assert "Choose one of the challenge" in response.content.decode()


def test_stale_form_after_the_challenge_closed(city, moderator, challenge):
    client = client_for(moderator, city)
    data = form_data(challenge)
    with city_context(city):
        Challenge.objects.filter(pk=challenge.pk).update(phase=Challenge.Phase.EVALUATION)
    response = client.post(URL, data)
    assert response.status_code == 400  # no longer a choice
    with city_context(city):
        assert Idea.objects.count() == 0


def test_resent_form_makes_one_idea(city, moderator, challenge):
    client = client_for(moderator, city)
    data = form_data(challenge)
    assert client.post(URL, data).status_code == 302
    assert client.post(URL, data).status_code == 302
    with city_context(city):
        assert Idea.objects.count() == 1


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.EVALUATOR])
def test_page_refused_to_non_moderators(city, challenge, role):
    client = client_for(make_member(city, role), city)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(challenge)).status_code == 403


def test_page_refused_to_other_citys_staff(city, other_city, challenge):
    client = client_for(make_member(other_city, Role.CITY_ADMIN), city)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(challenge)).status_code == 403


def test_anonymous_visitor_goes_to_sign_in(city_client):
    response = city_client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_page_query_count(city, moderator, django_assert_max_num_queries):
    with city_context(city):
        for _n in range(15):
            ChallengeFactory()
            CategoryFactory()
            DistrictFactory()
    client = client_for(moderator, city)
    client.get(URL)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_admin_changelist_links_to_the_page(city, moderator):
    page = client_for(moderator, city).get("/admin/ideas/idea/").content.decode()
    assert f'href="{URL}"' in page


def test_open_data_carries_the_channel(city, moderator, challenge):
    idea = enter(city, moderator, challenge)
    response = Client(HTTP_HOST=host_of(city)).get("/api/v1/open-data/ideas.json")
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b'"channel": "paper"' in body or b'"channel":"paper"' in body
    assert str(idea.channel_date).encode() in body


def test_reports_hide_an_authorless_idea(city, moderator, challenge):
    """Auto-hiding records someone: for an idea without an account, the
    staff member who entered it; and nobody is notified."""
    idea = enter(city, moderator, challenge)
    with city_context(city):
        for _n in range(challenge.report_hide_threshold):
            services.report_create(
                reporter=make_member(city, Role.CITIZEN), reason="Spam", idea=idea
            )
        idea.refresh_from_db()
        assert idea.status == IdeaStatus.HIDDEN
        hidden = StatusChange.objects.get(idea=idea, to_status=IdeaStatus.HIDDEN)
        assert hidden.changed_by_id == moderator.pk
        assert not Notification.objects.filter(recipient__isnull=True).exists()


def test_comment_on_an_authorless_idea(city, moderator, challenge):
    idea = enter(city, moderator, challenge)
    citizen = make_member(city, Role.CITIZEN)
    with city_context(city):
        services.comment_create(idea=idea, author=citizen, body="Nice", language="en")
        assert Notification.objects.count() == 0
