"""Fragments shared across people (ideas.fragments, civicideas.web.fragment_cache):
everyone sees their own state, and a change shows on the next view.

People view the same page in turn (so the second is served the first one's
cached fragments), in every language of the city.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from civicideas.web import fragment_cache
from ideas import cache_keys, follows, services
from ideas.models import Idea
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "nl")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture
def challenge(city):
    with city_context(city):
        return ChallengeFactory(slug="green", title="A greener Riverton")


def _in(client: Client, language: str) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def _page(client: Client, url: str, language: str) -> str:
    response = _in(client, language).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html[:300]
    return html


def _tokens_are_real(html: str) -> None:
    assert fragment_cache.CSRF_PLACEHOLDER not in html
    assert all(len(token) == 64 for token in TOKEN.findall(html))


def _delete_link(comment) -> str:
    return f'href="{reverse("ideas:comment_delete", args=[comment.pk])}"'


def _report_form(comment) -> str:
    return f'action="{reverse("ideas:comment_report", args=[comment.pk])}"'


def _edit_form(comment) -> str:
    return f'action="{reverse("ideas:comment_edit", args=[comment.pk])}"'


@pytest.fixture
def discussion(city, challenge):
    """An idea with a comment by Ann, one by Ben, and Ann's hidden comment."""
    ann, ben = make_member(city), make_member(city)
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        idea = IdeaFactory(challenge=challenge)
        by_ann = services.comment_create(idea=idea, author=ann, body="Ann thinks so")
        by_ben = services.comment_create(idea=idea, author=ben, body="Ben does not")
        hidden = services.comment_create(idea=idea, author=ann, body="Ann was rude")
        services.comment_moderate(
            comment=hidden, moderator=moderator, action="hide", reason="Rude to Ben"
        )
    return {
        "idea": idea,
        "ann": ann,
        "ben": ben,
        "moderator": moderator,
        "by_ann": by_ann,
        "by_ben": by_ben,
        "hidden": hidden,
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_person_sees_only_their_own_comment_actions(city, discussion, language):
    d = discussion
    url = reverse("ideas:idea", args=[d["idea"].pk])
    viewers = {
        "ann": client_for(d["ann"], city),
        "ben": client_for(d["ben"], city),
        "moderator": client_for(d["moderator"], city),
        "anonymous": Client(HTTP_HOST=host_of(city)),
    }
    with city_context(city):
        services.idea_support(idea=d["idea"], user=d["ben"])
    # Twice round: the second round is served from the fragments the first stored.
    for _ in range(2):
        for name in ("ann", "ben", "moderator", "anonymous"):
            html = _page(viewers[name], url, language)
            _tokens_are_real(html)
            assert "Ann thinks so" in html and "Ben does not" in html
            assert "Ann was rude" not in html
            mine = {"ann": d["by_ann"], "ben": d["by_ben"]}.get(name)
            others = [c for c in (d["by_ann"], d["by_ben"]) if c != mine]
            if mine is not None:
                assert _delete_link(mine) in html and _edit_form(mine) in html
                assert _report_form(mine) not in html
            for comment in others:
                assert _delete_link(comment) not in html and _edit_form(comment) not in html
                assert (_report_form(comment) in html) == (name != "anonymous")
            # The hidden reason: its author only.
            assert ("Rude to Ben" in html) == (name == "ann")
            # The support button: Ben supports, Ann and the moderator may.
            assert ('value="unsupport"' in html) == (name == "ben")
            assert ('value="support"' in html) == (name in ("ann", "moderator"))


def test_a_viewers_csrf_token_is_their_own(city, discussion):
    url = reverse("ideas:idea", args=[discussion["idea"].pk])
    ann = client_for(discussion["ann"], city)
    ben = client_for(discussion["ben"], city)
    ann_html, ben_html = ann.get(url).content.decode(), ben.get(url).content.decode()
    ann_tokens, ben_tokens = set(TOKEN.findall(ann_html)), set(TOKEN.findall(ben_html))
    assert ann_tokens and ben_tokens and not ann_tokens & ben_tokens
    # Ben's reply form (a shared fragment) posts with Ben's own token.
    reply = ben.post(
        reverse("ideas:comment", args=[discussion["idea"].pk]),
        {"body": "A reply", "parent": discussion["by_ann"].pk},
    )
    assert reply.status_code == 302


def test_comment_changes_show_on_the_next_view(
    city, discussion, django_capture_on_commit_callbacks
):
    """The idea's shared body is kept under the idea's scope: the services'
    bumps (after the commit, as in production) make it stale."""
    d = discussion
    url = reverse("ideas:idea", args=[d["idea"].pk])
    ben = client_for(d["ben"], city)
    assert "Ann thinks so" in ben.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_edit(comment=d["by_ann"], by=d["ann"], body="Ann changed her mind")
    html = ben.get(url).content.decode()
    assert "Ann changed her mind" in html and "Ann thinks so" not in html
    assert "(edited)" in html
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_moderate(
            comment=d["by_ann"], moderator=d["moderator"], action="hide", reason="Again"
        )
    html = ben.get(url).content.decode()
    assert "Ann changed her mind" not in html and "Again" not in html
    assert "Again" in client_for(d["ann"], city).get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_delete(comment=d["by_ben"], by=d["ben"])
    html = client_for(d["ann"], city).get(url).content.decode()
    assert "Ben does not" not in html and "This comment was deleted by its author." in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_cards_follow_edits_and_supports_for_signed_in_people(
    city, challenge, language, django_capture_on_commit_callbacks
):
    """The challenge page's and the home's content are scoped fragments: an
    edit (the service bumps the scopes) shows on the next view; a support
    bumps nothing and shows with the next bump (or within the TTL)."""
    author = make_member(city)
    with city_context(city):
        idea = IdeaFactory(challenge=challenge, author=author, title="Plant oaks", support_count=0)
    people = [author, make_member(city)]
    clients = [client_for(p, city) for p in people]
    url = reverse("ideas:challenge", args=["green"]) + "?sort=newest"
    for client in clients:
        assert "Plant oaks" in _page(client, url, language)
        assert "Plant oaks" in _page(client, "/", language)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_update(idea=idea, by=author, title="Plant lindens", body=idea.body)
    for client in clients:
        for page in (url, "/"):
            html = _page(client, page, language)
            assert "Plant lindens" in html and "Plant oaks" not in html
    with city_context(city):
        services.idea_support(idea=idea, user=people[1])
        assert Idea.objects.get(pk=idea.pk).support_count == 1
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        cache_keys.idea_changed(IdeaFactory(challenge=challenge, title="Another idea"))
    for client in clients:
        for page in (url, "/"):
            assert 'support-count="1"' in _support_counts(_page(client, page, language), idea)


def _support_counts(html: str, idea) -> str:
    """The support count on ``idea``'s card, as ``support-count="<n>"``."""
    card = html[html.index(f'href="/ideas/{idea.pk}/"') :]
    number = re.search(r"(\d+)\s+(support|soutien|steun)", card)
    return f'support-count="{number.group(1) if number else ""}"'


def test_map_follows_a_hidden_idea_for_signed_in_people(
    city, challenge, django_capture_on_commit_callbacks
):
    """The map is scoped on the challenge: the hide's bump (after the commit)
    makes it stale."""
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        idea = IdeaFactory(
            challenge=challenge, title="Bench by the river", latitude=50.1, longitude=4.2
        )
    viewer = client_for(make_member(city), city)
    url = reverse("ideas:challenge", args=["green"])
    assert viewer.get(url).content.decode().count("Bench by the river") >= 2  # card and map
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Spam")
    assert "Bench by the river" not in viewer.get(url).content.decode()


def test_a_fragment_with_a_real_csrf_token_is_never_stored(city):
    renders = []

    def fragment(value: str):
        def render() -> str:
            renders.append(value)
            return f'<input type="hidden" name="csrfmiddlewaretoken" value="{value}">'

        return render

    for _ in range(2):
        html = fragment_cache.addressed("test", [(("real",), fragment("secret"))])
        assert "secret" in html[0]
    assert renders == ["secret", "secret"]  # rendered each time: never stored
    renders.clear()
    placeholder = fragment_cache.CSRF_PLACEHOLDER
    for _ in range(2):
        html = fragment_cache.addressed("test", [(("shared",), fragment(placeholder))])
        assert placeholder in html[0]
    assert renders == [placeholder]  # stored, then served


def test_the_shared_filter_form_shows_each_request_its_own_filters(city, challenge):
    """The filter form is one fragment per filters: a search, a sort and a
    hostile search each get their own, escaped."""
    url = reverse("ideas:challenge", args=["green"])
    ann, ben = (client_for(make_member(city), city) for _ in range(2))
    for _ in range(2):
        oaks = ann.get(url, {"q": "oaks", "sort": "newest"}).content.decode()
        assert 'value="oaks"' in oaks and '<option value="newest" selected>' in oaks
        plain = ben.get(url).content.decode()
        assert 'value="oaks"' not in plain and '<option value="newest" selected>' not in plain
        hostile = ben.get(url, {"q": '"><script>alert(1)</script>'}).content.decode()
        assert "<script>alert(1)</script>" not in hostile
        assert "&quot;&gt;&lt;script&gt;" in hostile


def _count_store_calls(monkeypatch) -> dict[str, int]:
    """Count the cache round trips a batch makes (the real Redis store)."""
    from civicideas.web import page_cache

    store = page_cache._store()
    calls = {"get_many": 0, "set_many": 0}
    for name in calls:
        original = getattr(store, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(store, name, counted)
    return calls


def test_a_batch_reads_generations_once_and_its_fragments_together(city, monkeypatch):
    """Two fetches of one batch: the scopes' generations are read once, each
    fetch reads all its fragments in one round trip; a bump shows to the
    next batch (the next request), with the same keys as ``scoped``."""
    from civicideas.web import page_cache

    scope = f"test-batch-{city.pk}"
    calls = _count_store_calls(monkeypatch)
    value = {"n": 1}
    batch = fragment_cache.Batch()
    (first,) = batch.fetch([fragment_cache.Scoped("v", [scope], [1], lambda: dict(value))])
    assert calls["get_many"] == 2  # generations, then the value
    html, card = batch.fetch(
        [
            fragment_cache.Scoped("h", [scope], [1], lambda: "<p>shared</p>", html=True),
            fragment_cache.Addressed("c", [1], lambda: "<li>card</li>"),
        ]
    )
    assert calls["get_many"] == 3  # the generation is not read again
    assert calls["set_many"] == 2
    assert first == {"n": 1} and html == "<p>shared</p>" and card == "<li>card</li>"
    value["n"] = 2
    assert fragment_cache.scoped_value("v", scopes=[scope], parts=[1], compute=dict) == {"n": 1}
    page_cache.bump(scope)
    (fresh,) = fragment_cache.Batch().fetch(
        [fragment_cache.Scoped("v", [scope], [1], lambda: dict(value))]
    )
    assert fresh == {"n": 2}


def test_a_batched_fragment_with_a_real_csrf_token_is_never_stored(city):
    renders = []

    def render() -> str:
        renders.append(1)
        return '<input type="hidden" name="csrfmiddlewaretoken" value="secret">'

    for _ in range(2):
        (html,) = fragment_cache.Batch().fetch(
            [fragment_cache.Scoped("t", [f"test-csrf-{city.pk}"], [1], render, html=True)]
        )
        assert "secret" in html
    assert len(renders) == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_follows_a_hidden_idea_for_each_person_in_turn(
    city, challenge, language, django_capture_on_commit_callbacks
):
    """The home's rows and cards are fetched together: several people view
    it in turn, each with their own token, and a moderation shows on the
    next view."""
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        idea = IdeaFactory(challenge=challenge, title="Swings in the park")
    people = [make_member(city), make_member(city), moderator]
    clients = [client_for(p, city) for p in people]
    for _ in range(2):
        for client in clients:
            html = _page(client, "/", language)
            assert "Swings in the park" in html
            _tokens_are_real(html)
    # A resident's page has no back-office link, though a moderator's view
    # shared the same cached cards and rows.
    assert ("Back office" in _page(clients[0], "/", "en")) is False
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(idea=idea, moderator=moderator, action="hide", reason="Spam")
    for client in clients:
        assert "Swings in the park" not in _page(client, "/", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_upcoming_events_follow_a_cancellation_on_challenge_and_home(
    city, challenge, language, django_capture_on_commit_callbacks
):
    """The events teasers (challenge page, home) are kept under the scopes
    the event services bump: people viewing in turn see the event, and no
    longer once it is cancelled."""
    from events import services as event_services
    from tests.events.factories import EventFactory

    admin = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        event = EventFactory(challenge=challenge, title="Tree planting walk")
    clients = [client_for(make_member(city), city), client_for(admin, city)]
    url = reverse("ideas:challenge", args=["green"])
    for _ in range(2):
        for client in clients:
            assert "Tree planting walk" in _page(client, url, language)
            assert "Tree planting walk" in _page(client, "/", language)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        event_services.event_cancel(event=event, by=admin, reason="Rain")
    for client in clients:
        assert "Tree planting walk" not in _page(client, url, language)
        assert "Tree planting walk" not in _page(client, "/", language)


# --- the challenge page's and the home's shared content --------------------------


@pytest.fixture
def residents(city, challenge):
    """Ann wrote a published idea and a pending one and follows the city; Ben
    wrote nothing; a moderator; an anonymous visitor."""
    ann, ben = make_member(city), make_member(city)
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        IdeaFactory(challenge=challenge, author=ann, title="Ann's bench")
        IdeaFactory(challenge=challenge, author=ann, title="Ann's pending", status="pending")
        IdeaFactory(challenge=challenge, author=ben, title="Ben's hidden", status="hidden")
        follows.follows_set(user=ann, city_wide=True, category_ids=[])
    return {
        "ann": client_for(ann, city),
        "ben": client_for(ben, city),
        "moderator": client_for(moderator, city),
        "anonymous": Client(HTTP_HOST=host_of(city)),
    }


def _content(html: str) -> str:
    """The page's content, without the layout (whose header is per person)."""
    return html[html.index('<main id="main"') : html.index("</main>")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_challenge_content_is_the_same_for_everyone_in_a_bucket(city, residents, language):
    """Author, other resident, moderator and anonymous visitor in the same
    seed bucket get the same content: the author's pending idea and the
    hidden one are in nobody's list (the moderator's neither), and nothing of
    one viewer's session shows in another's page."""
    from django.utils import timezone

    today = timezone.now().date().toordinal()
    for name, client in residents.items():
        if name == "anonymous":
            client.cookies["ideas_seed"] = f"{today}.3"
        else:
            session = client.session
            session["ideas_seed"] = f"{today}.3"
            session.save()
    url = reverse("ideas:challenge", args=["green"])
    contents = {}
    for _ in range(2):  # the second round from the first one's fragments
        for name, client in residents.items():
            html = _page(client, url, language)
            _tokens_are_real(html)
            contents.setdefault(name, set()).add(_content(html))
            assert "Ann&#x27;s bench" in html
            assert "Ann&#x27;s pending" not in html and "Ben&#x27;s hidden" not in html
            assert ("Back office" in html) is False or name == "moderator"
    shared = {content for seen in contents.values() for content in seen}
    assert len(shared) == 1
    assert "csrfmiddlewaretoken" not in shared.pop()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_shows_each_person_their_own_follow_state(city, residents, language):
    """The home's content is shared; its follow section is each person's:
    Ann follows the city, Ben and the moderator do not, the anonymous
    visitor is asked to sign in (and to create an account)."""
    follow_form = f'action="{reverse("ideas:follow_city")}"'
    sign_in = f'href="{reverse("account_login")}?next={reverse("ideas:follows")}"'
    create = f'class="button" href="{reverse("account_signup")}"'
    for _ in range(2):
        for name, client in residents.items():
            html = _page(client, "/", language)
            _tokens_are_real(html)
            assert "Ann&#x27;s bench" in html and "Ann&#x27;s pending" not in html
            assert "<!-- home-follow -->" not in html
            assert html.count('aria-labelledby="follow-challenges"') == 1
            signed_in = name != "anonymous"
            assert (follow_form in html) == signed_in
            assert ('name="follow" value="0"' in html) == (name == "ann")
            assert ('name="follow" value="1"' in html) == (name in ("ben", "moderator"))
            assert (sign_in in html) == (not signed_in)
            assert (create in html) == (not signed_in)


def test_following_the_city_shows_on_the_next_home_view(city, residents):
    ben = residents["ben"]
    assert 'name="follow" value="1"' in ben.get("/").content.decode()
    assert ben.post(reverse("ideas:follow_city"), {"follow": "1"}).status_code == 302
    html = ben.get("/").content.decode()
    assert 'name="follow" value="0"' in html and 'name="follow" value="1"' not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_idea_shows_on_the_challenge_page_and_home_for_signed_in_people(
    city, challenge, residents, language, django_capture_on_commit_callbacks
):
    url = reverse("ideas:challenge", args=["green"])
    people = [residents["ann"], residents["ben"]]
    for client in people:
        assert "Swings for the park" not in _page(client, url, language)
        assert "Swings for the park" not in _page(client, "/", language)
    author = make_member(city)
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_submit(
            author=author,
            challenge=challenge,
            title="Swings for the park",
            body="Two swings by the pond, please.",
            language="en",
        )
    for client in people:
        assert "Swings for the park" in _page(client, url, language)
        assert "Swings for the park" in _page(client, "/", language)


def test_signed_in_people_in_one_bucket_share_the_content(city, challenge, monkeypatch):
    """The second person of a bucket is served the first one's content: the
    page's list is not read again."""
    from ideas import selectors

    with city_context(city):
        for n in range(25):
            IdeaFactory(challenge=challenge, title=f"Idea {n}")
    reads = []
    original = selectors.challenge_page
    monkeypatch.setattr(
        selectors, "challenge_page", lambda **kw: reads.append(kw["seed"]) or original(**kw)
    )
    url = reverse("ideas:challenge", args=["green"])
    with mock.patch("ideas.shuffle.random.randrange", return_value=7):
        pages = [
            _content(client_for(make_member(city), city).get(url).content.decode())
            for _ in range(3)
        ]
    assert len(reads) == 1 and len(set(pages)) == 1


def test_a_challenge_edited_in_the_admin_shows_on_the_next_view(
    city, challenge, django_capture_on_commit_callbacks
):
    """The challenge is a shared value and its page's content a shared
    fragment: the admin's save bumps them (and the home's open challenges),
    under the old slug too when it is renamed."""
    from tests.ideas.factories import challenge_data

    admin = client_for(make_member(city, Role.CITY_ADMIN), city)
    viewer = client_for(make_member(city), city)
    assert "A greener Riverton" in viewer.get("/challenges/green/").content.decode()
    assert "A greener Riverton" in viewer.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/ideas/challenge/{challenge.pk}/change/",
            challenge_data(challenge, title="Shade for Riverton", slug="shade"),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert viewer.get("/challenges/green/").status_code == 404
    html = viewer.get("/challenges/shade/").content.decode()
    assert "Shade for Riverton" in html and "A greener Riverton" not in html
    home = viewer.get("/").content.decode()
    assert "Shade for Riverton" in home and "A greener Riverton" not in home
