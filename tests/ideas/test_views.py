"""The citizens' pages of ideas, through the test client on a city host."""

from __future__ import annotations

import re
import uuid

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicideas.accounts.models import Profile
from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Comment, Idea, IdeaImage, Report, StatusChange, Support
from ideas.status import IdeaStatus
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
    SupportFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def challenge(city):
    with city_context(city):
        return ChallengeFactory(
            slug="green", title="A greener Riverton", require_verified_email=True
        )


@pytest.fixture
def citizen(city):
    return make_member(city, Role.CITIZEN)


@pytest.fixture
def citizen_client(citizen, city):
    return client_for(citizen, city)


def make_idea(city, **kwargs):
    with city_context(city):
        return IdeaFactory(**kwargs)


def challenge_url(slug="green", **params):
    from urllib.parse import urlencode

    url = reverse("ideas:challenge", args=[slug])
    return f"{url}?{urlencode(params)}" if params else url


def idea_url(idea):
    return reverse("ideas:idea", args=[idea.pk])


def ids_in(response, ideas):
    """The ideas (of ``ideas``) whose link is on the page, in page order."""
    html = response.content.decode()
    found = [(html.find(f'href="{idea_url(i)}"'), i.pk) for i in ideas]
    return [pk for pos, pk in sorted(found) if pos >= 0]


# --- pages render ----------------------------------------------------------------


def test_city_home_lists_challenges_ideas_answers_and_counts(city, city_client, challenge):
    officer = make_member(city, Role.MODERATOR)
    with city_context(city):
        ChallengeFactory(slug="secret", title="Draft challenge", phase="draft")
        loved = IdeaFactory(
            challenge=challenge, title="Loved idea", support_count=7, comment_count=2
        )
        IdeaFactory(
            challenge=challenge, title="Hidden idea", status=IdeaStatus.HIDDEN, support_count=50
        )
        services.idea_set_status(
            idea=loved, by=officer, status=IdeaStatus.ACCEPTED, message="We will plant them."
        )
    response = city_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "A greener Riverton" in html
    assert "Draft challenge" not in html
    assert "Loved idea" in html
    assert "Hidden idea" not in html
    assert "We will plant them." in html
    assert "What we did with your ideas" in html
    assert response.context["participation"] == {"ideas": 1, "supports": 7, "comments": 2}


def test_challenge_page(city, city_client, challenge):
    with city_context(city):
        challenge.description = "Make it **green**."
        challenge.save()
        IdeaFactory(challenge=challenge, title="Plant trees")
    response = city_client.get(challenge_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>green</strong>" in html
    assert "Plant trees" in html
    assert "Open for ideas" in html
    # The swapped results have no live region of their own (it would read
    # the whole list); the page's one status region is outside them and the
    # result count is the message copied into it (issue 20).
    assert 'id="status-region"' in html
    assert '<div id="results" class="results" data-swap-focus=".result-count">' in html
    assert 'class="result-count" tabindex="-1" data-status-message' in html
    assert "vendor/htmx.min.js" in html


def test_draft_and_unknown_challenges_are_404(city, city_client):
    with city_context(city):
        ChallengeFactory(slug="draft", phase=Challenge.Phase.DRAFT)
    assert city_client.get(challenge_url("draft")).status_code == 404
    assert city_client.get(challenge_url("nope")).status_code == 404


def test_other_citys_challenge_is_404(city, other_city, city_client):
    with city_context(other_city):
        ChallengeFactory(slug="lakes")
    assert city_client.get(challenge_url("lakes")).status_code == 404


def test_platform_host_has_no_idea_pages(city, challenge, client):
    assert client.get(challenge_url(), HTTP_HOST="localhost").status_code == 404
    assert client.get(reverse("ideas:my_participation"), HTTP_HOST="localhost").status_code == 404


def test_htmx_gets_only_the_results_partial(city, city_client, challenge):
    make_idea(city, challenge=challenge, title="Plant trees")
    response = city_client.get(challenge_url(), HTTP_HX_TARGET="results", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"')
    assert "Plant trees" in html
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_filters_and_sorts(city, city_client, challenge):
    with city_context(city):
        cat = CategoryFactory(name="Trees")
        district = DistrictFactory(name="North")
        a = IdeaFactory(challenge=challenge, category=cat, support_count=1, comment_count=5)
        b = IdeaFactory(challenge=challenge, district=district, support_count=9)
        c = IdeaFactory(challenge=challenge, status=IdeaStatus.ACCEPTED, support_count=4)
    ideas = [a, b, c]
    assert ids_in(city_client.get(challenge_url(category=cat.pk)), ideas) == [a.pk]
    assert ids_in(city_client.get(challenge_url(district=district.pk)), ideas) == [b.pk]
    assert ids_in(city_client.get(challenge_url(status="accepted")), ideas) == [c.pk]
    assert ids_in(city_client.get(challenge_url(sort="newest")), ideas) == [c.pk, b.pk, a.pk]
    assert ids_in(city_client.get(challenge_url(sort="most_supported")), ideas) == [
        b.pk,
        c.pk,
        a.pk,
    ]
    assert ids_in(city_client.get(challenge_url(sort="most_discussed")), ideas)[0] == a.pk
    # Stale or forged filter values are ignored, never a 500.
    for params in ({"category": "x"}, {"status": "hidden"}, {"sort": "pk"}, {"page": "-3"}):
        assert city_client.get(challenge_url(**params)).status_code == 200


def test_random_order_is_stable_across_pages_for_one_visitor(city, city_client, challenge):
    ideas = [make_idea(city, challenge=challenge) for _ in range(45)]
    pages = [ids_in(city_client.get(challenge_url(page=n)), ideas) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [20, 20, 5]
    seen = pages[0] + pages[1] + pages[2]
    assert sorted(seen) == sorted(i.pk for i in ideas)  # every idea exactly once
    again = [ids_in(city_client.get(challenge_url(page=n)), ideas) for n in (1, 2, 3)]
    assert again == pages
    # Anonymous visitors keep a shared seed bucket in a cookie, not a session.
    assert city_client.cookies["ideas_seed"].value.count(".") == 1
    assert "sessionid" not in city_client.cookies
    # Other visitors (other buckets) get another order.
    from django.test import Client

    others = [ids_in(Client(HTTP_HOST=host_of(city)).get(challenge_url()), ideas) for _ in range(6)]
    assert any(o != pages[0] for o in others)


def test_idea_page(city, city_client, challenge):
    author = make_member(city)
    with city_context(city):
        Profile.objects.create(city=city, user=author, display_name="Ada from Riverton")
        idea = IdeaFactory(challenge=challenge, author=author, body="Use *native* trees.")
        IdeaImage.objects.create(city=city, idea=idea, image="ideas/x.jpg", alt_text="A young oak")
        top = CommentFactory(idea=idea, body="Which trees?", author=author)
        CommentFactory(idea=idea, parent=top, body="Oaks, please.")
        officer = make_member(city, Role.MODERATOR)
        services.idea_set_status(
            idea=idea, by=officer, status=IdeaStatus.UNDER_EVALUATION, message="We are looking."
        )
    response = city_client.get(idea_url(idea))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada from Riverton" in html
    assert "<em>native</em>" in html
    assert 'alt="A young oak"' in html
    assert "Which trees?" in html and "Oaks, please." in html
    assert "We are looking." in html and "Official answer of the city" in html
    assert "Sign in to support this idea" in html


def test_other_citys_idea_is_404(city, other_city, city_client):
    with city_context(other_city):
        idea = IdeaFactory()
    assert city_client.get(idea_url(idea)).status_code == 404


def test_hidden_idea_author_sees_reason_others_404(city, challenge):
    author = make_member(city)
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        idea = IdeaFactory(challenge=challenge, author=author)
        services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Off topic")
    response = client_for(author, city).get(idea_url(idea))
    assert response.status_code == 200
    assert "Off topic" in response.content.decode()
    assert client_for(make_member(city), city).get(idea_url(idea)).status_code == 404
    from django.test import Client

    assert Client(HTTP_HOST=host_of(city)).get(idea_url(idea)).status_code == 404
    assert client_for(moderator, city).get(idea_url(idea)).status_code == 200


def test_hidden_comment_reason_is_shown_to_its_author_only(city, challenge):
    """The author learns why (idea page and "my participation"); other
    residents only see that a comment was hidden, not the comment or why."""
    author = make_member(city)
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
        comment = services.comment_create(idea=idea, author=author, body="You are all idiots")
        services.comment_moderate(
            comment=comment, moderator=moderator, action="hide", reason="Insults other people"
        )
    own_page = client_for(author, city).get(idea_url(idea)).content.decode()
    assert "This comment was hidden by the moderators." in own_page
    assert "Insults other people" in own_page
    mine = client_for(author, city).get(reverse("ideas:my_participation")).content.decode()
    assert "hidden by the moderators: Insults other people" in mine
    for other in (make_member(city), None):
        client = client_for(other, city) if other else Client(HTTP_HOST=host_of(city))
        html = client.get(idea_url(idea)).content.decode()
        assert "This comment was hidden by the moderators." in html
        assert "Insults other people" not in html
        assert "You are all idiots" not in html


# --- supporting -----------------------------------------------------------------


def test_support_without_javascript(city, citizen, citizen_client, challenge):
    idea = make_idea(city, challenge=challenge)
    url = reverse("ideas:support", args=[idea.pk])
    response = citizen_client.post(url, {"action": "support"})
    assert response.status_code == 302
    assert response["Location"] == idea_url(idea)
    with city_context(city):
        idea.refresh_from_db()
        assert idea.support_count == 1
        assert Support.objects.filter(idea=idea, user=citizen).exists()
    page = citizen_client.get(idea_url(idea)).content.decode()
    assert "Withdraw my support" in page
    citizen_client.post(url, {"action": "unsupport"})
    with city_context(city):
        idea.refresh_from_db()
        assert idea.support_count == 0


def test_support_with_htmx_swaps_the_button(city, citizen_client, challenge):
    idea = make_idea(city, challenge=challenge)
    url = reverse("ideas:support", args=[idea.pk])
    response = citizen_client.post(url, {"action": "support"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="support"')
    assert "1 person supports this idea" in html
    assert "Withdraw my support" in html


def test_support_needs_sign_in(city, city_client, challenge):
    idea = make_idea(city, challenge=challenge)
    response = city_client.post(reverse("ideas:support", args=[idea.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = city_client.post(reverse("ideas:support", args=[idea.pk]), **HTMX)
    assert "/accounts/login/" in response["HX-Redirect"]


def test_move_support_from_duplicate(city, citizen, citizen_client, challenge):
    officer = make_member(city, Role.MODERATOR)
    with city_context(city):
        original = IdeaFactory(challenge=challenge, title="Original")
        duplicate = IdeaFactory(challenge=challenge)
        services.idea_support(idea=duplicate, user=citizen)
        services.idea_set_status(
            idea=duplicate, by=officer, status="duplicate", message="Same", duplicate_of=original
        )
    page = citizen_client.get(idea_url(duplicate)).content.decode()
    assert f'href="{idea_url(original)}"' in page
    assert "Move my support to the original idea" in page
    response = citizen_client.post(reverse("ideas:move_support", args=[duplicate.pk]))
    assert response.status_code == 302
    with city_context(city):
        assert Support.objects.filter(idea=original, user=citizen).exists()
        assert not Support.objects.filter(idea=duplicate, user=citizen).exists()


# --- comments and reports ----------------------------------------------------------


def test_comment_reply_edit_delete(city, citizen, citizen_client, challenge):
    idea = make_idea(city, challenge=challenge)
    url = reverse("ideas:comment", args=[idea.pk])
    response = citizen_client.post(url, {"body": "Great idea"})
    assert response.status_code == 302
    with city_context(city):
        comment = Comment.objects.get(idea=idea)
    response = citizen_client.post(url, {"body": "Answering myself", "parent": comment.pk})
    assert response.status_code == 302
    with city_context(city):
        reply = Comment.objects.get(parent=comment)
        assert reply.body == "Answering myself"
    page = citizen_client.get(idea_url(idea)).content.decode()
    assert "Delete my comment" in page and "Edit your comment" in page
    edit = reverse("ideas:comment_edit", args=[comment.pk])
    assert citizen_client.post(edit, {"body": "Great idea, edited"}).status_code == 302
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        late = citizen_client.post(edit, {"body": "Too late"})
    assert late.status_code == 403
    assert "15 minutes" in late.content.decode()
    delete = reverse("ideas:comment_delete", args=[reply.pk])
    assert citizen_client.post(delete).status_code == 302
    with city_context(city):
        comment.refresh_from_db()
        reply.refresh_from_db()
        assert comment.body == "Great idea, edited"
        assert reply.state == Comment.State.DELETED


def test_empty_comment_is_a_400_with_the_form_error(city, citizen_client, challenge):
    idea = make_idea(city, challenge=challenge)
    response = citizen_client.post(reverse("ideas:comment", args=[idea.pk]), {"body": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_report_idea_and_comment(city, citizen, citizen_client, challenge):
    idea = make_idea(city, challenge=challenge)
    with city_context(city):
        comment = CommentFactory(idea=idea)
    r = citizen_client.post(reverse("ideas:report", args=[idea.pk]), {"reason": "Spam"})
    assert r.status_code == 302
    r = citizen_client.post(reverse("ideas:comment_report", args=[comment.pk]), {"reason": "Rude"})
    assert r.status_code == 302
    again = citizen_client.post(reverse("ideas:report", args=[idea.pk]), {"reason": "Spam"})
    assert again.status_code == 409
    empty = citizen_client.post(reverse("ideas:report", args=[idea.pk]), {"reason": ""})
    assert empty.status_code == 400
    with city_context(city):
        assert Report.objects.filter(reporter=citizen).count() == 2


# --- submitting -----------------------------------------------------------------


def submit_data(**overrides):
    data = {
        "title": "Benches by the river",
        "body": "Add **benches** every 200 m.",
        "language": "en",
        "submission_token": str(uuid.uuid4()),
        "submit": "1",
    }
    data.update(overrides)
    return data


def test_submit_requires_sign_in(city, city_client, challenge):
    response = city_client.get(reverse("ideas:submit", args=["green"]))
    assert response.status_code == 302
    assert "next=/challenges/green/submit/" in response["Location"]


def test_submit_preview_then_submit(city, citizen, citizen_client, challenge):
    url = reverse("ideas:submit", args=["green"])
    form = citizen_client.get(url)
    assert form.status_code == 200
    assert 'name="submission_token"' in form.content.decode()
    data = submit_data()
    data.pop("submit")
    preview = citizen_client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    assert "<strong>benches</strong>" in preview.content.decode()
    with city_context(city):
        assert not Idea.objects.exists()
    done = citizen_client.post(url, {**data, "submit": "1"})
    assert done.status_code == 302
    with city_context(city):
        idea = Idea.objects.get()
    assert done["Location"] == idea_url(idea)
    assert idea.status == IdeaStatus.PUBLISHED
    assert idea.author == citizen


def test_double_submit_creates_one_idea(city, citizen_client, challenge):
    url = reverse("ideas:submit", args=["green"])
    data = submit_data()
    first = citizen_client.post(url, data)
    second = citizen_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    with city_context(city):
        assert Idea.objects.count() == 1


def test_resent_form_with_an_image_stores_the_image_once(city, citizen_client, challenge):
    """The page asks ``services.idea_already_submitted`` before submitting, so
    a resent form goes to its idea without attaching its images again."""
    from tests.content.test_uploads import image_bytes, upload

    url = reverse("ideas:submit", args=["green"])
    data = submit_data()
    responses = [
        citizen_client.post(url, {**data, "images": upload("a.png", image_bytes("PNG"))})
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    with city_context(city):
        assert Idea.objects.count() == 1
        assert IdeaImage.objects.count() == 1


def test_submit_premoderated_idea_is_pending(city, citizen_client, challenge):
    with city_context(city):
        Challenge.objects.filter(pk=challenge.pk).update(premoderation=True)
    response = citizen_client.post(
        reverse("ideas:submit", args=["green"]), submit_data(), follow=True
    )
    assert "A moderator will check your idea" in response.content.decode()
    with city_context(city):
        assert Idea.objects.get().status == IdeaStatus.PENDING


def test_submit_form_errors_are_200_with_linked_summary(city, citizen_client, challenge):
    url = reverse("ideas:submit", args=["green"])
    response = citizen_client.post(url, submit_data(title="", latitude="50.1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_title"' in html
    assert 'aria-invalid="true"' in html


def test_submit_service_error_is_a_form_error(city, citizen_client, challenge):
    with city_context(city):
        Challenge.objects.filter(pk=challenge.pk).update(max_ideas_per_person=1)
    url = reverse("ideas:submit", args=["green"])
    assert citizen_client.post(url, submit_data()).status_code == 302
    response = citizen_client.post(url, submit_data(title="Another one"))
    assert response.status_code == 200
    assert "limit of 1 ideas" in response.content.decode()
    # A location outside the city is refused by the service, shown as an error.
    with city_context(city):
        city.min_latitude, city.max_latitude = 50, 51
        city.min_longitude, city.max_longitude = 4, 5
        city.save()
        Challenge.objects.filter(pk=challenge.pk).update(max_ideas_per_person=None)
    forget_hosts()  # the host cache holds the city as it was
    response = citizen_client.post(url, submit_data(latitude="10", longitude="10"))
    assert response.status_code == 200
    assert "must be inside" in response.content.decode()


def test_submit_needs_verified_email_unless_relaxed(city, challenge):
    user = make_member(city)
    EmailAddress.objects.filter(user=user).update(verified=False)
    client = client_for(user, city)
    url = reverse("ideas:submit", args=["green"])
    assert "Verify your email address" in client.get(url).content.decode()
    response = client.post(url, submit_data())
    assert response.status_code == 200
    assert "Verify your email address" in response.content.decode()
    with city_context(city):
        assert not Idea.objects.exists()
        Challenge.objects.filter(pk=challenge.pk).update(require_verified_email=False)
    assert client.post(url, submit_data()).status_code == 302


def test_submit_on_closed_challenge(city, citizen_client, challenge):
    with city_context(city):
        Challenge.objects.filter(pk=challenge.pk).update(phase=Challenge.Phase.EVALUATION)
    url = reverse("ideas:submit", args=["green"])
    assert "does not accept ideas" in citizen_client.get(url).content.decode()
    response = citizen_client.post(url, submit_data())
    assert response.status_code == 200
    with city_context(city):
        assert not Idea.objects.exists()


def test_similar_ideas_fragment(city, citizen_client, challenge):
    make_idea(city, challenge=challenge, title="More benches along the river")
    with city_context(city):
        services._refresh_search_vector(Idea.objects.get())
    url = reverse("ideas:similar", args=["green"])
    response = citizen_client.get(url, {"title": "benches by the river"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="similar"')
    assert "More benches along the river" in html
    assert "benches" not in citizen_client.get(url, {"title": ""}).content.decode()


# --- editing, withdrawing, my participation -------------------------------------------


def test_edit_and_withdraw_own_idea(city, citizen, citizen_client, challenge):
    idea = make_idea(city, challenge=challenge, author=citizen)
    edit = reverse("ideas:edit", args=[idea.pk])
    assert citizen_client.get(edit).status_code == 200
    response = citizen_client.post(edit, {"title": "Better title", "body": "Better body"})
    assert response.status_code == 302
    bad = citizen_client.post(edit, {"title": "x\x00y", "body": "Better body"})
    assert bad.status_code == 200 and 'class="error-summary"' in bad.content.decode()
    assert citizen_client.post(reverse("ideas:withdraw", args=[idea.pk])).status_code == 302
    with city_context(city):
        idea.refresh_from_db()
    assert idea.title == "Better title"
    assert idea.status == IdeaStatus.WITHDRAWN
    # Withdrawn: the author still sees it, can no longer edit it.
    assert citizen_client.get(idea_url(idea)).status_code == 200
    assert citizen_client.get(edit).status_code == 403


def test_my_participation(city, citizen, citizen_client, challenge):
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        mine = IdeaFactory(challenge=challenge, author=citizen, title="My published idea")
        hidden = IdeaFactory(challenge=challenge, author=citizen, title="My hidden idea")
        services.idea_moderate(
            idea=hidden, moderator=moderator, action="hide", reason="Duplicate spam"
        )
        other = IdeaFactory(challenge=challenge, title="Somebody else's idea")
        services.idea_support(idea=other, user=citizen)
        services.comment_create(idea=other, author=citizen, body="My comment here")
    response = citizen_client.get(reverse("ideas:my_participation"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "My published idea" in html and "My hidden idea" in html
    assert "Duplicate spam" in html
    assert "Somebody else&#x27;s idea" in html
    assert "My comment here" in html
    assert reverse("ideas:edit", args=[mine.pk]) in html
    assert reverse("ideas:withdraw", args=[mine.pk]) in html
    assert reverse("ideas:edit", args=[hidden.pk]) not in html


def test_my_participation_needs_sign_in(city_client):
    response = city_client.get(reverse("ideas:my_participation"))
    assert response.status_code == 302


# --- query counts do not grow with rows ----------------------------------------------


def _seed_rows(city, challenge, n):
    """n public ideas with supports, comments, images, authors' profiles and
    official answers, plus hidden ideas that must not count."""
    officer = make_member(city, Role.MODERATOR)
    ideas = []
    with city_context(city):
        cat = CategoryFactory()
        district = DistrictFactory()
        for i in range(n):
            idea = IdeaFactory(challenge=challenge, category=cat, district=district)
            Profile.objects.create(city=city, user=idea.author, display_name=f"Author {i}")
            SupportFactory(idea=idea)
            comment = CommentFactory(idea=idea)
            CommentFactory(idea=idea, parent=comment)
            IdeaImage.objects.create(city=city, idea=idea, image=f"ideas/{i}.jpg", alt_text="x")
            StatusChange.objects.create(
                city=city, idea=idea, to_status="accepted", changed_by=officer, is_official=True
            )
            ideas.append(idea)
        IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN)
        big = ideas[0]
        for _ in range(n):
            c = CommentFactory(idea=big)
            CommentFactory(idea=big, parent=c)
    return ideas


QUERY_BUDGET = 10
#: The city home and the challenge pages also list the next events (one
#: query, whatever the number of events): their budget is one more.
#: Statements every city request issues that read no data: BEGIN and COMMIT
#: of the request's transaction, and reading, setting and resetting the
#: row-level-security setting (civicideas.tenancy.context).
TENANCY_STATEMENTS = 5
_MACHINERY = re.compile(
    r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b"
    r"|^SELECT (set_config|current_setting)\('civicideas\.",
)


def data_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if not _MACHINERY.match(q["sql"])]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rows", [5, 40])
def test_query_counts_do_not_grow(rows, django_assert_max_num_queries):
    """Every list page reads its data in at most ``QUERY_BUDGET`` queries
    (session, user and roles included), for 5 or 40 ideas with supports,
    comments, images and answers alike.

    Runs with real transactions, as in production: inside a test transaction
    each request would add savepoints. ``django_assert_max_num_queries``
    holds the total including the tenancy statements; the data queries alone
    must stay within the budget.
    """
    from django.test import Client

    from tests.factories import CityFactory

    city = CityFactory(slug="riverton", name="Riverton")
    with city_context(city):
        challenge = ChallengeFactory(slug="green")
    ideas = _seed_rows(city, challenge, rows)
    user = make_member(city)
    with city_context(city):
        services.idea_support(idea=ideas[1], user=user)
        services.comment_create(idea=ideas[1], author=user, body="Mine")

    anonymous = Client(HTTP_HOST=host_of(city))
    signed_in = client_for(user, city)
    pages = [
        "/",
        challenge_url(),
        challenge_url(sort="newest", page=2),
        challenge_url(sort="most_supported", q="trees"),
        idea_url(ideas[0]),
        idea_url(ideas[1]),
        reverse("ideas:my_participation"),
    ]
    for client in (anonymous, signed_in):
        client.get("/")  # the session exists from here on, as for a returning visitor
        client.get(challenge_url())
        for url in pages:
            if url.endswith("/me/") and client is anonymous:
                continue
            with_events = url == "/" or url.startswith("/challenges/")
            budget = QUERY_BUDGET + (1 if with_events else 0)
            with django_assert_max_num_queries(budget + TENANCY_STATEMENTS, info=url) as captured:
                response = client.get(url)
            assert response.status_code == 200, url
            queries = data_queries(captured.captured_queries)
            assert len(queries) <= budget, (url, queries)


# --- performance: lazy similar ideas, cached counts and searches ------------------


def test_idea_page_loads_similar_ideas_after_the_page(city, city_client, challenge):
    """The similar-ideas lookup is the slowest part of an idea's page, so the
    page carries an htmx placeholder (and a link for browsers without
    JavaScript) instead of computing it."""
    idea = make_idea(city, challenge=challenge, title="More benches along the river")
    other = make_idea(city, challenge=challenge, title="Benches along the river path")
    with city_context(city):
        for each in (idea, other):
            services._refresh_search_vector(Idea.objects.get(pk=each.pk))
    page = city_client.get(idea_url(idea)).content.decode()
    assert f'hx-get="{idea_url(idea)}?similar=1"' in page
    assert f'href="{idea_url(idea)}?similar=1#similar-ideas"' in page
    assert "Benches along the river path" not in page

    fragment = city_client.get(
        idea_url(idea), {"similar": "1"}, HTTP_HX_TARGET="similar-ideas", **HTMX
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="similar-ideas"')
    assert "Benches along the river path" in html
    assert "hx-get" not in html
    assert "<html" not in html
    assert "HX-Request" in fragment.headers.get("Vary", "")

    no_js = city_client.get(idea_url(idea), {"similar": "1"}).content.decode()
    assert "<html" in no_js and "Benches along the river path" in no_js


def test_similar_ideas_are_cached_but_hidden_ones_drop_out(city, city_client, challenge, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the raw update below bypasses the services' page bumps
    idea = make_idea(city, challenge=challenge, title="More benches along the river")
    other = make_idea(city, challenge=challenge, title="Benches along the river path")
    with city_context(city):
        for each in (idea, other):
            services._refresh_search_vector(Idea.objects.get(pk=each.pk))
    url = f"{idea_url(idea)}?similar=1"
    assert "river path" in city_client.get(url).content.decode()
    with city_context(city):
        Idea.objects.filter(pk=other.pk).update(status=IdeaStatus.HIDDEN)
    assert "river path" not in city_client.get(url).content.decode()


def test_no_similar_block_on_a_non_public_idea(city, challenge):
    author = make_member(city)
    idea = make_idea(city, challenge=challenge, author=author, status=IdeaStatus.PENDING)
    html = client_for(author, city).get(idea_url(idea)).content.decode()
    assert "similar-ideas" not in html


def test_repeated_search_and_count_come_from_the_cache(city, city_client, challenge):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        idea = make_idea(city, challenge=challenge, title=f"Trees on square {n}")
        with city_context(city):
            services._refresh_search_vector(Idea.objects.get(pk=idea.pk))
    make_idea(city, challenge=challenge, title="A fountain")
    url = challenge_url(q="trees")
    city_client.get(challenge_url())  # the session exists
    with CaptureQueriesContext(connection) as first:
        html = city_client.get(url).content.decode()
    assert "3 ideas match" in html
    with CaptureQueriesContext(connection) as second:
        again = city_client.get(url).content.decode()
    assert "3 ideas match" in again and "A fountain" not in again
    assert len(data_queries(second.captured_queries)) < len(data_queries(first.captured_queries))
    assert not any("ts_rank" in q for q in data_queries(second.captured_queries))


def test_list_count_is_cached_and_pages_stay_right(city, city_client, challenge):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(25):
        make_idea(city, challenge=challenge)
    city_client.get("/")  # the session exists
    with CaptureQueriesContext(connection) as first:
        assert "25 ideas" in city_client.get(challenge_url(sort="newest")).content.decode()
    with CaptureQueriesContext(connection) as second:
        city_client.get(challenge_url(sort="newest"))

    def counts(captured):
        return [q for q in data_queries(captured.captured_queries) if "COUNT(" in q.upper()]

    assert len(counts(first)) == 1 and counts(second) == []
    last = city_client.get(challenge_url(sort="newest", page=2)).content.decode()
    assert 'rel="next"' not in last and "(showing 21\u201325)" in last
