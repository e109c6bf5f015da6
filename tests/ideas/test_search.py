"""Search and similar ideas: languages, typos, ranking, hostile queries,
visibility and city isolation, on the real PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from ideas.models import Idea
from ideas.search import (
    MAX_QUERY_CHARS,
    is_searchable,
    normalize_query,
    search_ideas,
    similar_ideas,
)
from ideas.services import _refresh_search_vector
from ideas.status import PUBLIC_STATUSES, IdeaStatus
from tests.factories import CityFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.django_db


def make_idea(**kwargs) -> Idea:
    idea = IdeaFactory(**kwargs)
    _refresh_search_vector(idea)
    return idea


def public():
    return Idea.objects.filter(status__in=PUBLIC_STATUSES)


def titles(queryset) -> list[str]:
    return [idea.title for idea in queryset]


@pytest.fixture
def corpus(city):
    with city_context(city):
        challenge = ChallengeFactory()
        ideas = {
            "fr": make_idea(
                challenge=challenge,
                language="fr",
                title="Installer des bancs dans les parcs",
                body="Les personnes âgées ont besoin de se reposer pendant la promenade.",
            ),
            "nl": make_idea(
                challenge=challenge,
                language="nl",
                title="Meer fietsenstallingen bij het station",
                body="Fietsers vinden nu geen plaats om hun fiets veilig te stallen.",
            ),
            "en_title": make_idea(
                challenge=challenge,
                language="en",
                title="Playground near the library",
                body="Children waiting for their parents need somewhere to play.",
            ),
            "en_body": make_idea(
                challenge=challenge,
                language="en",
                title="Make the square friendlier",
                body="A small playground and shade would bring families back.",
            ),
            "unrelated": make_idea(
                challenge=challenge,
                language="en",
                title="Repair potholes on Main Street",
                body="Cyclists fall in the holes after rain.",
            ),
        }
    return challenge, ideas


def test_french_idea_found_by_french_stemmed_query(city, corpus):
    _challenge, ideas = corpus
    with city_context(city):
        # "installation" and "installer" share the French stem "install".
        assert titles(search_ideas(public(), "installation banc")) == [ideas["fr"].title]


def test_dutch_idea_found_by_dutch_stemmed_query(city, corpus):
    _challenge, ideas = corpus
    with city_context(city):
        assert titles(search_ideas(public(), "fietsenstalling")) == [ideas["nl"].title]


def test_typo_finds_the_title_by_trigram(city, corpus):
    _challenge, ideas = corpus
    with city_context(city):
        assert ideas["en_title"].title in titles(search_ideas(public(), "libary"))
        assert ideas["unrelated"].title not in titles(search_ideas(public(), "libary"))


def test_title_match_ranks_above_body_match(city, corpus):
    _challenge, ideas = corpus
    with city_context(city):
        found = list(search_ideas(public(), "playground"))
    assert [i.pk for i in found] == [ideas["en_title"].pk, ideas["en_body"].pk]
    assert found[0].search_rank > found[1].search_rank > 0


def test_search_is_one_query_plus_the_query_check(city, corpus):
    with city_context(city), CaptureQueriesContext(connection) as queries:
        list(search_ideas(public(), "playground")[:20])
    assert len(queries) == 2


@pytest.mark.parametrize(
    "query",
    [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "%' ; DROP TABLE ideas_idea; --",
        "x" * 10_000,
        "the and of",
        "bench\x00es",
        "\ud800 lone surrogate",
        "🌳🚲 🌳",
        "שלום עולם",
        "e\u0301cole",
        "!!! ((( ))) & | <->",
        "",
        "   ",
    ],
)
def test_hostile_queries_give_results_or_none_never_an_error(city, corpus, query):
    with city_context(city):
        results = list(search_ideas(public(), query))
        assert all(i.status in PUBLIC_STATUSES for i in results)
    # The transaction is still usable: no database error was swallowed.
    with city_context(city):
        assert public().count() == 5


def test_queries_without_searchable_words_are_a_no_op(city, corpus):
    with city_context(city):
        qs = public()
        assert search_ideas(qs, "%") is qs
        assert search_ideas(qs, "   ") is qs
        assert search_ideas(qs, "🌳🚲") is qs
        # English stop words are words in French and Dutch: a search, no match.
        assert list(search_ideas(qs, "the and of")) == []


def test_stop_words_only_is_a_no_op_in_an_english_city(db):
    english_city = CityFactory(slug="anglham", languages=["en"], default_language="en")
    with city_context(english_city):
        make_idea(title="The park of the town and the river")
        qs = public()
        assert search_ideas(qs, "the and of") is qs
        assert not is_searchable("the and of")
        assert is_searchable("river")


def test_injection_text_is_just_words(city, corpus):
    _challenge, ideas = corpus
    with city_context(city):
        found = titles(search_ideas(public(), "' OR 1=1 -- playground"))
    # websearch syntax: "OR" is an operator, "-- playground" excludes the word.
    assert ideas["unrelated"].title not in found


def test_normalize_query_cuts_and_cleans():
    assert len(normalize_query("a" * 10_000)) == MAX_QUERY_CHARS
    assert normalize_query("bench\x00es\x07 \ud800 park") == "bench es park"
    assert normalize_query(None) == ""
    assert normalize_query("  river   walk ") == "river walk"


def test_hidden_pending_withdrawn_never_returned(city):
    with city_context(city):
        challenge = ChallengeFactory()
        for status in (IdeaStatus.HIDDEN, IdeaStatus.PENDING, IdeaStatus.WITHDRAWN):
            make_idea(challenge=challenge, status=status, title=f"Secret garden {status}")
        visible = make_idea(challenge=challenge, title="Secret garden for everyone")
        assert titles(search_ideas(public(), "secret garden")) == [visible.title]
        similar = similar_ideas(challenge=challenge, text="Secret garden")
        assert [i.pk for i in similar] == [visible.pk]


def test_other_city_ideas_never_returned(city, other_city):
    with city_context(other_city):
        other = make_idea(title="Floating swimming pool in the harbour")
        other_challenge = other.challenge
    with city_context(city):
        challenge = ChallengeFactory()
        mine = make_idea(challenge=challenge, title="Swimming pool for the north district")
        assert titles(search_ideas(public(), "swimming pool")) == [mine.title]
        # Even with the other city's challenge object, nothing leaks.
        assert similar_ideas(challenge=other_challenge, text="Floating swimming pool") == []
        # RLS: the raw table shows no other city's rows either.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ideas_idea WHERE title ILIKE %s", ["%harbour%"])
            assert cursor.fetchone()[0] == 0
    with city_context(other_city):
        assert titles(search_ideas(public(), "swimming pool")) == [other.title]


def test_similar_ideas_same_challenge_only_and_ranked(city):
    with city_context(city):
        challenge, elsewhere = ChallengeFactory(), ChallengeFactory()
        best = make_idea(challenge=challenge, title="More benches in the park")
        body_match = make_idea(
            challenge=challenge,
            title="A nicer park",
            body="We need benches in the park so people can rest.",
        )
        make_idea(challenge=elsewhere, title="More benches in the park")
        make_idea(challenge=challenge, title="Repair potholes on Main Street")
        found = similar_ideas(challenge=challenge, text="More benches in Riverside park")
        assert [i.pk for i in found] == [best.pk, body_match.pk]
        assert similar_ideas(challenge=challenge, text="Benches park", exclude_id=best.pk) == [
            body_match
        ]
        assert len(similar_ideas(challenge=challenge, text="benches park", limit=1)) == 1


def test_similar_ideas_ignores_unrelated_and_hostile_text(city):
    with city_context(city):
        challenge = ChallengeFactory()
        make_idea(challenge=challenge, title="More benches in the park")
        assert similar_ideas(challenge=challenge, text="Free wifi at the town hall") == []
        for text in ["", "ab", "%", "' OR 1=1 --", "\x00" * 50, "🌳" * 300, "x" * 10_000]:
            assert similar_ideas(challenge=challenge, text=text) == []


def test_similar_ideas_typo_in_title(city):
    with city_context(city):
        challenge = ChallengeFactory()
        idea = make_idea(challenge=challenge, title="Playground near the library")
        assert similar_ideas(challenge=challenge, text="Playgrond near the libary") == [idea]


# --- performance: no ``simple`` configuration when every language has a stemmer --


def test_simple_is_not_queried_when_every_platform_language_has_a_stemmer(city, settings):
    from ideas.search import city_search_configs

    settings.LANGUAGES = [("en", "English"), ("fr", "French"), ("nl", "Dutch")]
    with city_context(city):
        assert "simple" not in city_search_configs()
    settings.LANGUAGES = [*settings.LANGUAGES, ("eo", "Esperanto")]
    with city_context(city):
        assert city_search_configs()[-1] == "simple"


def test_similar_ideas_ignore_shared_stop_words(city):
    with city_context(city):
        challenge = ChallengeFactory()
        for title in ("Lights for the station", "Trees for the school"):
            idea = IdeaFactory(challenge=challenge, title=title)
            _refresh_search_vector(idea)
        found = similar_ideas(challenge=challenge, text="Benches for the river")
    assert found == []
