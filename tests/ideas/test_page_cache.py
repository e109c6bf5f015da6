"""The services make the cached anonymous pages they change fresh, once
their transaction commits (ideas/cache_keys.py), and the random order of
anonymous visitors uses a few shared seeds kept in a cookie."""

from __future__ import annotations

import re
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from civicideas.web import page_cache
from ideas import cache_keys, services
from ideas.models import Comment, Idea
from ideas.status import IdeaStatus
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.django_db

STATUS = page_cache.STATUS_HEADER


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    page_cache.reset_backoff()


@pytest.fixture
def challenge(city):
    with city_context(city):
        return ChallengeFactory(slug="green", title="A greener Riverton")


@pytest.fixture
def idea(city, challenge):
    with city_context(city):
        return IdeaFactory(challenge=challenge, title="Plant oaks on Main Street")


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR)


@pytest.fixture
def anonymous(city):
    return Client(HTTP_HOST=host_of(city))


CHALLENGE = "/challenges/green/?sort=newest"


def warm(client, *urls):
    """Cache the pages, and check the next request would be a hit."""
    for url in urls:
        client.get(url)
        assert client.get(url)[STATUS] == "hit", url


def html(client, url) -> str:
    return client.get(url).content.decode()


def test_hiding_an_idea_removes_it_at_once_and_its_page_404s(
    city, idea, moderator, anonymous, django_capture_on_commit_callbacks
):
    page = f"/ideas/{idea.pk}/"
    warm(anonymous, "/", CHALLENGE, page)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Spam")
    assert "Plant oaks" not in html(anonymous, CHALLENGE)
    assert "Plant oaks" not in html(anonymous, "/")
    assert anonymous.get(page).status_code == 404
    # Restored: back at once as well.
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=idea, moderator=moderator, action="restore")
    assert anonymous.get(page).status_code == 200
    assert "Plant oaks" in html(anonymous, CHALLENGE)


def test_the_bump_waits_for_the_commit(city, idea, moderator, anonymous):
    """Bumped before the commit, a concurrent request could store the old
    rows under the new generation; so nothing happens until the commit."""
    page = f"/ideas/{idea.pk}/"
    warm(anonymous, page)
    with city_context(city):
        services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Spam")
    # The test's transaction never commits: the old page is still served.
    assert page_cache.generations([cache_keys.idea_scope(city.pk, idea.pk)]) == [0]


def test_an_auto_hide_by_reports_removes_the_idea_at_once(
    city, challenge, idea, anonymous, django_capture_on_commit_callbacks
):
    with city_context(city):
        challenge.report_hide_threshold = 1
        challenge.save()
    warm(anonymous, CHALLENGE)
    reporter = make_member(city)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.report_create(reporter=reporter, reason="Offensive", idea=idea)
    assert "Plant oaks" not in html(anonymous, CHALLENGE)


def test_publishing_an_idea_shows_it_at_once(
    city, challenge, anonymous, django_capture_on_commit_callbacks
):
    warm(anonymous, "/", CHALLENGE)
    author = make_member(city)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_submit(
            author=author, challenge=challenge, title="A fountain in the park", body="Water!",
            language="en",
        )  # fmt: skip
    assert "A fountain in the park" in html(anonymous, CHALLENGE)
    assert "A fountain in the park" in html(anonymous, "/")


def test_approving_a_pending_idea_shows_it_at_once(
    city, challenge, moderator, anonymous, django_capture_on_commit_callbacks
):
    with city_context(city):
        pending = IdeaFactory(challenge=challenge, title="Night buses", status=IdeaStatus.PENDING)
    warm(anonymous, CHALLENGE)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=pending, moderator=moderator, action="approve")
    assert "Night buses" in html(anonymous, CHALLENGE)


def test_editing_an_idea_through_the_browser_refreshes_its_pages(
    city, challenge, anonymous, django_capture_on_commit_callbacks
):
    author = make_member(city)
    with city_context(city):
        mine = IdeaFactory(challenge=challenge, author=author, title="Old title")
    page = f"/ideas/{mine.pk}/"
    warm(anonymous, page, CHALLENGE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author, city).post(
            f"/ideas/{mine.pk}/edit/", {"title": "New title", "body": "Better text."}
        )
    assert response.status_code == 302
    assert "New title" in html(anonymous, page)
    assert "Better text." in html(anonymous, page)
    assert "New title" in html(anonymous, CHALLENGE)


def test_withdrawing_an_idea_removes_it_at_once(
    city, challenge, anonymous, django_capture_on_commit_callbacks
):
    author = make_member(city)
    with city_context(city):
        mine = IdeaFactory(challenge=challenge, author=author, title="Withdraw me")
    warm(anonymous, CHALLENGE, f"/ideas/{mine.pk}/")
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_withdraw(idea=mine, by=author)
    assert "Withdraw me" not in html(anonymous, CHALLENGE)
    assert anonymous.get(f"/ideas/{mine.pk}/").status_code == 404


def test_an_official_answer_shows_at_once_on_the_idea_and_the_home_page(
    city, idea, moderator, anonymous, django_capture_on_commit_callbacks
):
    page = f"/ideas/{idea.pk}/"
    warm(anonymous, page, "/")
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_set_status(
            idea=idea, by=moderator, status=IdeaStatus.UNDER_EVALUATION, message="We study it."
        )
    assert "We study it." in html(anonymous, page)
    assert "We study it." in html(anonymous, "/")


def test_comments_refresh_the_idea_page(
    city, idea, moderator, anonymous, django_capture_on_commit_callbacks
):
    page = f"/ideas/{idea.pk}/"
    author = make_member(city)
    warm(anonymous, page)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        comment = services.comment_create(idea=idea, author=author, body="Yes, oaks!")
    assert "Yes, oaks!" in html(anonymous, page)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_edit(comment=comment, by=author, body="Yes, oaks and limes!")
    assert "oaks and limes" in html(anonymous, page)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_moderate(
            comment=comment, moderator=moderator, action="hide", reason="Off topic"
        )
    assert "oaks and limes" not in html(anonymous, page)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_moderate(comment=comment, moderator=moderator, action="restore")
        services.comment_delete(comment=Comment.objects.get(pk=comment.pk), by=author)
    assert "oaks and limes" not in html(anonymous, page)
    assert "deleted by its author" in html(anonymous, page)


def test_supports_do_not_empty_the_cache(city, idea, anonymous, django_capture_on_commit_callbacks):
    warm(anonymous, CHALLENGE, f"/ideas/{idea.pk}/")
    supporter = make_member(city)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, city_context(city):
        services.idea_support(idea=idea, user=supporter)
    assert callbacks == []  # no bump
    assert anonymous.get(CHALLENGE)[STATUS] == "hit"
    assert anonymous.get(f"/ideas/{idea.pk}/")[STATUS] == "hit"


def test_a_change_in_one_challenge_keeps_the_other_challenges_cached(
    city, idea, moderator, anonymous, django_capture_on_commit_callbacks
):
    with city_context(city):
        ChallengeFactory(slug="mobility")
    warm(anonymous, "/challenges/mobility/?sort=newest", CHALLENGE)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Spam")
    assert anonymous.get("/challenges/mobility/?sort=newest")[STATUS] == "hit"
    assert anonymous.get(CHALLENGE)[STATUS] == "miss"


def test_another_citys_changes_do_not_touch_this_citys_pages(
    city, other_city, idea, anonymous, django_capture_on_commit_callbacks
):
    warm(anonymous, CHALLENGE)
    moderator = make_member(other_city, Role.MODERATOR)
    with city_context(other_city):
        theirs = IdeaFactory(challenge=ChallengeFactory(slug="green"))
    with django_capture_on_commit_callbacks(execute=True), city_context(other_city):
        services.idea_moderate(idea=theirs, moderator=moderator, action="hide", reason="Spam")
    assert anonymous.get(CHALLENGE)[STATUS] == "hit"


def test_a_hidden_similar_idea_leaves_the_similar_block(
    city, challenge, moderator, anonymous, django_capture_on_commit_callbacks
):
    with city_context(city):
        first = IdeaFactory(challenge=challenge, title="More benches along the river")
        other = IdeaFactory(challenge=challenge, title="Benches along the river path")
        for each in (first, other):
            services._refresh_search_vector(Idea.objects.get(pk=each.pk))
    url = f"/ideas/{first.pk}/?similar=1"
    assert "river path" in html(anonymous, url)
    assert anonymous.get(url)[STATUS] == "hit"
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=other, moderator=moderator, action="hide", reason="Spam")
    assert "river path" not in html(anonymous, url)


# --- the shared seeds of anonymous visitors --------------------------------------


def test_anonymous_random_order_uses_a_seed_bucket_cookie_and_no_session(city, challenge):
    with city_context(city):
        for n in range(30):
            IdeaFactory(challenge=challenge, title=f"Idea {n}")
    client = Client(HTTP_HOST=host_of(city))
    first = client.get("/challenges/green/")
    cookie = first.cookies["ideas_seed"]
    day, bucket = cookie.value.split(".")
    assert int(day) == timezone.now().date().toordinal()
    assert 0 <= int(bucket) < 16
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "sessionid" not in first.cookies
    # Kept: the same order from the cache, and no new cookie.
    second = client.get("/challenges/green/")
    assert second[STATUS] == "hit"
    assert "ideas_seed" not in second.cookies
    assert second.content == first.content


def test_a_first_visit_served_from_the_cache_still_gets_its_cookie(city, challenge):
    with mock.patch("ideas.shuffle.random.randrange", return_value=5):
        Client(HTTP_HOST=host_of(city)).get("/challenges/green/")
        newcomer = Client(HTTP_HOST=host_of(city)).get("/challenges/green/")
    assert newcomer[STATUS] == "hit"
    assert newcomer.cookies["ideas_seed"].value.endswith(".5")


def test_a_sort_without_randomness_needs_no_seed_cookie(city, challenge):
    Client(HTTP_HOST=host_of(city)).get(CHALLENGE)
    newcomer = Client(HTTP_HOST=host_of(city)).get(CHALLENGE)
    assert newcomer[STATUS] == "hit"
    assert "ideas_seed" not in newcomer.cookies


def test_visitors_in_the_same_bucket_share_a_cached_random_page(city, challenge):
    with city_context(city):
        for n in range(30):
            IdeaFactory(challenge=challenge, title=f"Idea {n}")
    today = timezone.now().date().toordinal()
    first = Client(HTTP_HOST=host_of(city))
    first.cookies["ideas_seed"] = f"{today}.3"
    second = Client(HTTP_HOST=host_of(city))
    second.cookies["ideas_seed"] = f"{today}.3"
    other = Client(HTTP_HOST=host_of(city))
    other.cookies["ideas_seed"] = f"{today}.4"
    page = first.get("/challenges/green/")
    assert page[STATUS] == "miss" and "ideas_seed" not in page.cookies
    assert second.get("/challenges/green/")[STATUS] == "hit"
    assert other.get("/challenges/green/")[STATUS] == "miss"
    assert other.get("/challenges/green/").content != page.content


@pytest.mark.parametrize(
    "value", ["", "x", "1.2.3", "99999999.1", "1.1", "{today}.16", "{today}.-1", "{today}.ab"]
)
def test_a_forged_or_stale_seed_cookie_is_replaced(city, challenge, value):
    today = timezone.now().date().toordinal()
    client = Client(HTTP_HOST=host_of(city))
    client.cookies["ideas_seed"] = value.format(today=today)
    response = client.get("/challenges/green/")
    assert response.status_code == 200
    day, bucket = response.cookies["ideas_seed"].value.split(".")
    assert int(day) == today and 0 <= int(bucket) < 16


def test_a_seed_cookie_lasts_two_days_then_rotates(city, challenge):
    client = Client(HTTP_HOST=host_of(city))
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.get("/challenges/green/")
        kept = client.cookies["ideas_seed"].value
        traveller.shift(86_400)
        assert "ideas_seed" not in client.get("/challenges/green/").cookies
        assert client.cookies["ideas_seed"].value == kept
        traveller.shift(86_400)
        renewed = client.get("/challenges/green/").cookies["ideas_seed"].value
        assert renewed.split(".")[0] != kept.split(".")[0]


def test_signed_in_visitors_keep_a_bucket_of_the_day_in_their_session(city, challenge):
    """Signed-in people draw from the anonymous visitors' day buckets (their
    pages' content can be shared), kept in the session, not in a cookie."""
    with city_context(city):
        for n in range(30):
            IdeaFactory(challenge=challenge, title=f"Idea {n}")
    member = client_for(make_member(city), city)
    response = member.get("/challenges/green/")
    assert response[STATUS] == "bypass"
    assert "ideas_seed" not in response.cookies
    day, bucket = member.session["ideas_seed"].split(".")
    assert int(day) == timezone.now().date().toordinal() and 0 <= int(bucket) < 16
    kept = member.session["ideas_seed"]
    assert member.get("/challenges/green/").content.count(b"<li") > 0
    assert member.session["ideas_seed"] == kept  # the same order page to page


@pytest.mark.parametrize("value", [12345, "x", "1.2", "{today}.16", "{today}.-1", None])
def test_an_old_or_forged_session_seed_is_replaced(city, challenge, value):
    """A personal seed of an older session (an int), a forged or a stale
    value: a bucket of today instead, never an error."""
    today = timezone.now().date().toordinal()
    member = client_for(make_member(city), city)
    session = member.session
    session["ideas_seed"] = value.format(today=today) if isinstance(value, str) else value
    session.save()
    assert member.get("/challenges/green/").status_code == 200
    day, bucket = member.session["ideas_seed"].split(".")
    assert int(day) == today and 0 <= int(bucket) < 16


def test_a_signed_in_bucket_lasts_two_days_then_rotates(city, challenge):
    member = client_for(make_member(city), city)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        member.get("/challenges/green/")
        kept = member.session["ideas_seed"]
        traveller.shift(86_400)
        member.get("/challenges/green/")
        assert member.session["ideas_seed"] == kept
        traveller.shift(86_400)
        member.get("/challenges/green/")
        assert member.session["ideas_seed"].split(".")[0] != kept.split(".")[0]


def test_signed_in_and_anonymous_visitors_of_one_bucket_see_one_order(city, challenge):
    with city_context(city):
        for n in range(30):
            IdeaFactory(challenge=challenge, title=f"Idea {n}")
    today = timezone.now().date().toordinal()
    anonymous = Client(HTTP_HOST=host_of(city))
    anonymous.cookies["ideas_seed"] = f"{today}.5"
    member = client_for(make_member(city), city)
    session = member.session
    session["ideas_seed"] = f"{today}.5"
    session.save()

    def order(client):
        html = client.get("/challenges/green/").content.decode()
        return re.findall(r"Idea \d+", html)

    assert order(anonymous) == order(member) and len(order(member)) >= 20


def test_the_anonymous_idea_page_offers_sign_in_links_not_forms(city, idea, anonymous):
    page = html(anonymous, f"/ideas/{idea.pk}/")
    login = f"/accounts/login/?next=/ideas/{idea.pk}/"
    assert f'href="{login}"' in page
    assert "Sign in to support this idea" in page
    assert "Sign in to comment" in page
    assert "Sign in to report this idea" in page
    assert 'method="post"' not in page


def test_the_anonymous_pages_have_no_post_form(city, idea, anonymous):
    for url in ("/", CHALLENGE, f"/ideas/{idea.pk}/"):
        assert 'method="post"' not in html(anonymous, url), url


def test_comment_factory_comments_show_on_a_fresh_page(city, idea, anonymous):
    """Sanity: an uncached page shows the data as it is (no stale first render)."""
    with city_context(city):
        CommentFactory(idea=idea, body="First!")
    assert "First!" in html(anonymous, f"/ideas/{idea.pk}/")
