"""The idea's page as one shared body with each viewer's parts put in
(ideas.idea_body): everyone sees their own state and only theirs, in every
language, whoever viewed the page before them; a change shows on the next
view; the person's row is read as the rules say (selectors.idea_for_viewer).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from civicideas.web import fragment_cache
from ideas import selectors, services
from ideas.models import Idea
from ideas.status import IdeaStatus
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "nl")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
VIEWERS = ("author", "ben", "moderator", "anonymous")


@pytest.fixture
def viewing(city):
    """Ann's idea (with a location), supported by Ben, with a comment by each."""
    ann, ben = make_member(city), make_member(city)
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        challenge = ChallengeFactory(slug="green", title="A greener Riverton")
        idea = IdeaFactory(
            challenge=challenge,
            author=ann,
            title="Oaks on the square",
            latitude=Decimal("50.1"),
            longitude=Decimal("4.2"),
        )
        services.idea_support(idea=idea, user=ben)
        by_ann = services.comment_create(idea=idea, author=ann, body="Ann explains")
        by_ben = services.comment_create(idea=idea, author=ben, body="Ben agrees")
    clients = {
        "author": client_for(ann, city),
        "ben": client_for(ben, city),
        "moderator": client_for(moderator, city),
        "anonymous": Client(HTTP_HOST=host_of(city)),
    }
    return {
        "idea": idea,
        "ann": ann,
        "ben": ben,
        "moderator": moderator,
        "by_ann": by_ann,
        "by_ben": by_ben,
        "clients": clients,
        "url": reverse("ideas:idea", args=[idea.pk]),
    }


def _get(client: Client, url: str, language: str = "en") -> str:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html[:300]
    return html


def _href(name: str, pk: int) -> str:
    return f'href="{reverse(name, args=[pk])}"'


def _action(name: str, pk: int) -> str:
    return f'action="{reverse(name, args=[pk])}'


def _map_supports(html: str) -> int:
    features = re.search(r'data-features="([^"]*)"', html)
    assert features is not None
    return json.loads(unescape(features.group(1)))["features"][0]["properties"]["supports"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_viewer_sees_only_their_own_parts_of_the_idea(viewing, language):
    idea, url = viewing["idea"], viewing["url"]
    # Twice round: the second round is served from the body the first stored.
    for _ in range(2):
        for who in VIEWERS:
            html = _get(viewing["clients"][who], url, language)
            assert fragment_cache.CSRF_PLACEHOLDER not in html
            assert "<!--idea:personal" not in html
            tokens = set(TOKEN.findall(html))
            assert all(len(token) == 64 for token in tokens)
            assert bool(tokens) == (who != "anonymous")
            assert "Oaks on the square" in html
            assert "Ann explains" in html and "Ben agrees" in html
            # The author's links.
            assert (_href("ideas:edit", idea.pk) in html) == (who == "author")
            assert (_href("ideas:withdraw", idea.pk) in html) == (who == "author")
            # The report form: signed in, not one's own idea.
            assert (_action("ideas:report", idea.pk) in html) == (who in ("ben", "moderator"))
            # The support box: Ben supports; the moderator may; the author may not.
            assert ('value="unsupport"' in html) == (who == "ben")
            assert ('value="support"' in html) == (who == "moderator")
            # The comment form and the reply forms: signed-in people.
            assert (_action("ideas:comment", idea.pk) in html) == (who != "anonymous")
            # Each person's own comment: edit and delete links, no report.
            for name, comment in (("author", viewing["by_ann"]), ("ben", viewing["by_ben"])):
                mine = who == name
                assert (_href("ideas:comment_delete", comment.pk) in html) == mine
                assert (_action("ideas:comment_edit", comment.pk) in html) == mine
                reportable = who not in ("anonymous", name)
                assert (_action("ideas:comment_report", comment.pk) in html) == reportable
            if who == "anonymous":
                assert f"?next={url}" in html  # the sign-in links come back here


def test_each_viewers_token_is_their_own(viewing):
    ann = _get(viewing["clients"]["author"], viewing["url"])
    ben = _get(viewing["clients"]["ben"], viewing["url"])
    ann_tokens, ben_tokens = set(TOKEN.findall(ann)), set(TOKEN.findall(ben))
    assert ann_tokens and ben_tokens and not ann_tokens & ben_tokens
    # The body's forms (shared and per person) carry one token; the layout's its own.
    assert len(ann_tokens) <= 2 and len(ben_tokens) <= 2


def test_a_support_shows_at_once_in_the_box_and_on_the_map(viewing, city):
    """Supports bump nothing: the count is the person's row, and the map's
    popup (in the shared body) follows it through the key."""
    html = _get(viewing["clients"]["ben"], viewing["url"])
    assert _map_supports(html) == 1
    assert "1 person supports this idea" in html
    with city_context(city):
        services.idea_support(idea=viewing["idea"], user=viewing["moderator"])
    for who in VIEWERS:
        html = _get(viewing["clients"][who], viewing["url"])
        assert "2 people support this idea" in html
        assert _map_supports(html) == 2
    assert 'value="unsupport"' in _get(viewing["clients"]["moderator"], viewing["url"])


def test_the_htmx_support_answers_with_the_box(viewing, city):
    client = viewing["clients"]["moderator"]
    response = client.post(
        reverse("ideas:support", args=[viewing["idea"].pk]),
        {"action": "support"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="support"')
    assert "2 people support this idea" in html and 'value="unsupport"' in html
    assert fragment_cache.CSRF_PLACEHOLDER not in html
    assert all(len(token) == 64 for token in TOKEN.findall(html))


def test_an_edit_shows_on_the_next_view(viewing, city, django_capture_on_commit_callbacks):
    _get(viewing["clients"]["ben"], viewing["url"])
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_update(
            idea=viewing["idea"], by=viewing["ann"], title="Lindens on the square", body="Shade"
        )
    for who in VIEWERS:
        html = _get(viewing["clients"][who], viewing["url"])
        assert "Lindens on the square" in html and "Oaks on the square" not in html
        assert "Shade" in html


def test_a_change_without_a_bump_shows_through_the_key(viewing, city):
    """Written directly (no service, no bump): the idea's row is in the key."""
    _get(viewing["clients"]["ben"], viewing["url"])
    with city_context(city):
        Idea.objects.filter(pk=viewing["idea"].pk).update(title="Elms on the square")
    assert "Elms on the square" in _get(viewing["clients"]["ben"], viewing["url"])


def test_a_new_comment_shows_on_the_next_view(viewing, city, django_capture_on_commit_callbacks):
    _get(viewing["clients"]["ben"], viewing["url"])
    ben = viewing["clients"]["ben"]
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("ideas:comment", args=[viewing["idea"].pk])
        response = ben.post(url, {"body": "Ben again"})
    assert response.status_code == 302
    with city_context(city):
        [mine] = [c for c in viewing["idea"].comments.all() if c.body == "Ben again"]
    for who in VIEWERS:
        html = _get(viewing["clients"][who], viewing["url"])
        assert "Ben again" in html and "3 comments" in html
        assert (_href("ideas:comment_delete", mine.pk) in html) == (who == "ben")


def test_moderation_shows_on_the_next_view(viewing, city, django_capture_on_commit_callbacks):
    for who in VIEWERS:
        _get(viewing["clients"][who], viewing["url"])
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.comment_moderate(
            comment=viewing["by_ben"], moderator=viewing["moderator"], action="hide", reason="Rude"
        )
    for who in VIEWERS:
        html = _get(viewing["clients"][who], viewing["url"])
        assert "Ben agrees" not in html
        assert ("Rude" in html) == (who == "ben")  # the reason: its author only
    with django_capture_on_commit_callbacks(execute=True), city_context(city):
        services.idea_moderate(
            idea=viewing["idea"], moderator=viewing["moderator"], action="hide", reason="Spam"
        )
    for who in ("ben", "anonymous"):
        assert viewing["clients"][who].get(viewing["url"]).status_code == 404
    author = _get(viewing["clients"]["author"], viewing["url"])
    assert "Your idea is hidden by the moderators." in author and "Spam" in author
    assert "Oaks on the square" in _get(viewing["clients"]["moderator"], viewing["url"])


def test_a_refused_comment_shows_its_errors_to_its_author_only(viewing):
    ben = viewing["clients"]["ben"]
    _get(ben, viewing["url"])
    response = ben.post(reverse("ideas:comment", args=[viewing["idea"].pk]), {"body": ""})
    assert response.status_code == 400
    refused = response.content.decode()
    assert "data-error-summary" in refused and "<title>Error:" in refused
    assert fragment_cache.CSRF_PLACEHOLDER not in refused
    assert all(len(token) == 64 for token in TOKEN.findall(refused))
    for who in ("moderator", "ben"):
        html = _get(viewing["clients"][who], viewing["url"])
        assert "data-error-summary" not in html and "<title>Error:" not in html


def test_a_pending_idea_is_drawn_for_its_author_and_never_stored(city):
    ann, ben = make_member(city), make_member(city)
    with city_context(city):
        idea = IdeaFactory(author=ann, status=IdeaStatus.PENDING, title="Not yet")
    url = reverse("ideas:idea", args=[idea.pk])
    for _ in range(2):
        html = _get(client_for(ann, city), url)
        assert "Not yet" in html and "waiting for a moderator" in html
        assert _href("ideas:edit", idea.pk) in html
        assert client_for(ben, city).get(url).status_code == 404


def test_a_reader_pays_one_query_for_the_page_once_warm(viewing, city):
    """The person's row; the body (comments, sponsors box, timeline) comes
    from the cache."""
    reader = client_for(make_member(city), city)
    _get(reader, viewing["url"])
    with CaptureQueriesContext(connection) as queries:
        _get(reader, viewing["url"])
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "ideas_idea"' in s for s in sql) == 1, sql
    assert not any('FROM "ideas_comment"' in s and "ARRAY" not in s for s in sql), sql
    assert not any("sponsors_" in s or "ideas_statuschange" in s for s in sql), sql


# --- the person's row ---------------------------------------------------------------------------


def test_idea_for_viewer_follows_the_visibility_rule(city, other_city):
    ann, ben = make_member(city), make_member(city)
    moderator = make_member(city, Role.MODERATOR)
    with city_context(city):
        public = IdeaFactory(author=ann)
        pending = IdeaFactory(author=ann, status=IdeaStatus.PENDING)
        hidden = IdeaFactory(author=ann, status=IdeaStatus.HIDDEN)
        services.idea_support(idea=public, user=ben)
        comment = services.comment_create(idea=public, author=ben, body="Mine")
    with city_context(other_city):
        elsewhere = IdeaFactory()
    with city_context(city):
        for idea in (public, pending, hidden):
            assert selectors.idea_for_viewer(pk=idea.pk, user=ann).pk == idea.pk
            assert selectors.idea_for_viewer(pk=idea.pk, user=moderator).pk == idea.pk
        for idea in (pending, hidden):
            assert selectors.idea_for_viewer(pk=idea.pk, user=ben) is None
            assert selectors.idea_for_viewer(pk=idea.pk, user=None) is None
        assert selectors.idea_for_viewer(pk=elsewhere.pk, user=ben) is None
        assert selectors.idea_for_viewer(pk=10**9, user=ben) is None
        mine = selectors.idea_for_viewer(pk=public.pk, user=ben)
        full = selectors.idea_for_page(pk=public.pk, user=ben)
        assert mine.supported_by_me is True and mine.my_comment_ids == [comment.pk]
        for field in ("title", "status", "support_count", "comment_count", "author_id"):
            assert getattr(mine, field) == getattr(full, field)
        assert mine.challenge.title == full.challenge.title
        assert mine.challenge.translations == full.challenge.translations
        assert mine.challenge.accepts_supports == full.challenge.accepts_supports
        theirs = selectors.idea_for_viewer(pk=public.pk, user=ann)
        assert theirs.supported_by_me is False and theirs.my_comment_ids == []
        anonymous = selectors.idea_for_viewer(pk=public.pk, user=None)
        assert anonymous.supported_by_me is False and anonymous.my_comment_ids == []
