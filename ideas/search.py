"""Idea search and similar-idea suggestions (PostgreSQL full-text + trigrams).

Each idea's ``search_vector`` is built with the text search configuration of
its own language (``civicideas.content.search_config``; title weight A, body weight B). A
query is parsed with ``websearch_to_tsquery`` once per configuration the city
uses (plus ``simple`` where some language has no stemmer), and the results
are OR-ed, so a French query finds
French ideas by their French stems while English ideas still match English
stems. Trigram word similarity on the title adds typo tolerance.

Matching runs on ``IdeaSearchEntry`` (``ideas_ideasearchentry``), a copy of
the searchable text of public ideas kept by a database trigger. Row-level
security keeps the GIN indexes of ``ideas_idea`` out of every plan (``@@`` and
the trigram operators are not LEAKPROOF); the entry table's SELECT policy is
``USING (true)`` because its rows are public, so its GIN indexes do serve the
text conditions. That table is readable across cities, so **every query on it
filters by the current city explicitly**; the ideas themselves are then read
from ``ideas_idea`` through the join, where the city policy still applies.
Measurements and reasoning: ``docs/search.md``.

Every input is safe: values are bound parameters, the text is cleaned of NUL
bytes, control characters and lone surrogates (which PostgreSQL or the
driver would reject) and cut to ``MAX_QUERY_CHARS``; a query with no
searchable word (empty, only stop words, only punctuation or emoji) is a
no-op for ``search_ideas`` and gives no suggestions in ``similar_ideas``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import reduce

from django.conf import settings
from django.contrib.postgres.search import (
    Lexeme,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast

from civicideas.content.search_config import FALLBACK_CONFIG, SEARCH_CONFIGS, search_config
from civicideas.tenancy.context import current_city_or_none
from ideas.models import Challenge, Idea

#: Longer queries are cut: nobody types more, and parsing cost grows with it.
MAX_QUERY_CHARS = 200
#: Similar ideas: at most this many distinct words of the typed text are used.
MAX_SIMILAR_WORDS = 8
#: Similar ideas: minimum title similarity (0..1) for a title-only match.
SIMILAR_TITLE_THRESHOLD = 0.3
#: Similar ideas: minimum combined score, so one shared common word is not enough.
SIMILAR_MIN_SCORE = 0.25
#: Search: minimum word similarity for a typo-tolerant title match (the
#: ``%>`` operator's threshold, set per transaction; pg_trgm's default is 0.6).
SEARCH_WORD_SIMILARITY = 0.45

_WORD_RE = re.compile(r"\w+", re.UNICODE)


def normalize_query(query: object) -> str:
    """The query as PostgreSQL can take it: a string without NUL bytes,
    control characters or lone surrogates, whitespace collapsed, at most
    ``MAX_QUERY_CHARS`` characters. Never raises."""
    if not isinstance(query, str):
        return ""
    # Cut early so a huge input costs little, then again after cleaning.
    query = query[: MAX_QUERY_CHARS * 4]
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Cf") and ch != "\u200d" else ch
        for ch in query
    )
    cleaned = " ".join(cleaned.split())
    return cleaned[:MAX_QUERY_CHARS].strip()


def city_search_configs() -> list[str]:
    """The text search configurations of the current city's languages, then
    ``simple`` if some idea can be indexed with it.

    Ideas are indexed with their own language's configuration, and ``simple``
    only for a language without a stemmer (``civicideas.content.search_config``). When
    every language the platform offers (``settings.LANGUAGES``, the choices of
    ``Idea.language``) has its own, no idea is indexed with ``simple`` and
    querying it only adds cost and noise: ``simple`` keeps stop words, so
    "for" or "the" matched nearly every idea in ``similar_ideas``."""
    city = current_city_or_none()
    languages = list(city.languages) if city is not None else list(SEARCH_CONFIGS)
    configs = []
    for language in languages:
        config = search_config(language)
        if config not in configs:
            configs.append(config)
    if FALLBACK_CONFIG not in configs and _platform_needs_fallback():
        configs.append(FALLBACK_CONFIG)
    return configs or [FALLBACK_CONFIG]


def _platform_needs_fallback() -> bool:
    return any(search_config(code) == FALLBACK_CONFIG for code, _name in settings.LANGUAGES)


def _check_query(
    query: str, configs: list[str], probe: QuerySet | None = None
) -> tuple[bool, bool]:
    """One round trip: (does a language configuration find a searchable word,
    does ``probe`` return any row).

    ``simple`` counts only when it is a city language's own configuration:
    otherwise every stop word ("the", "de") would be a lexeme in ``simple``
    and a stop-word-only query would match at random.

    The same round trip sets pg_trgm's word similarity threshold for the
    rest of the transaction (requests and tasks run in one, see
    ``city_context``): the default 0.6 misses common one-letter typos
    ("libary"); outside a transaction the default simply applies.
    """
    language_configs = [c for c in configs if c != FALLBACK_CONFIG] or [FALLBACK_CONFIG]
    sql = (
        "SELECT (SELECT coalesce(max(numnode(websearch_to_tsquery(cfg::regconfig, %s))), 0)"
        " FROM unnest(%s::text[]) AS cfg),"
        " set_config('pg_trgm.word_similarity_threshold', %s, true)"
    )
    params: list = [query, language_configs, str(SEARCH_WORD_SIMILARITY)]
    if probe is not None:
        probe_sql, probe_params = probe.query.sql_with_params()
        sql += f", EXISTS ({probe_sql})"
        params.extend(probe_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        nodes, _threshold, *found = cursor.fetchone()
    return nodes > 0, bool(found and found[0])


def _has_lexemes(query: str, configs: list[str]) -> bool:
    return _check_query(query, configs)[0]


def _websearch_query(query: str, configs: list[str]) -> SearchQuery:
    parts = [SearchQuery(query, config=c, search_type="websearch") for c in configs]
    return reduce(lambda a, b: a | b, parts)


def _entry_city_filter() -> Q:
    """The explicit city condition on the (cross-city readable) entry table:
    the current city, or in the platform's all-cities context the idea's own
    city (the trigger copies it, so the two always agree)."""
    city = current_city_or_none()
    if city is None:
        return Q(search_entry__city_id=F("city_id"))
    return Q(search_entry__city_id=city.pk)


def search_ideas(queryset: QuerySet[Idea], query: str) -> QuerySet[Idea]:
    """Public ideas of ``queryset`` matching ``query``, best first.

    Searches the public search index (``IdeaSearchEntry``), so ideas that are
    not public (pending, hidden, withdrawn...) are never found, whatever
    ``queryset`` holds. Full text first (stemmed per the idea's language,
    ranked by ``ts_rank``: title weight A above body weight B); when the
    words match nothing in ``queryset``, the titles are matched by trigram
    word similarity instead, so typos still find ideas. Annotates
    ``search_rank`` and orders by it. A query without any searchable word
    returns ``queryset`` unchanged (a no-op the caller can detect with
    ``is_searchable``). Two queries: the check below, then the results.

    Why not "full text OR trigram" in one condition: the trigram test and
    ``word_similarity`` cost several microseconds a row, so adding them made
    a common word ten times slower (docs/search.md); a typo search needs
    them only when the words themselves found nothing.
    """
    text = normalize_query(query)
    configs = city_search_configs()
    if not text:
        return queryset
    tsquery = _websearch_query(text, configs)
    # The city condition is explicit: the entry table is readable by every
    # city (its rows are public), so row-level security does not isolate it.
    full_text = queryset.filter(_entry_city_filter(), search_entry__search_vector=tsquery)
    try:
        searchable, words_match = _check_query(text, configs, full_text.order_by().values("pk")[:1])
    except EmptyResultSet:  # queryset.none(): nothing to search
        return queryset
    if not searchable:
        return queryset
    if words_match:
        ranked = full_text.annotate(
            search_rank=Cast(SearchRank(F("search_entry__search_vector"), tsquery), FloatField())
        )
    else:
        ranked = queryset.filter(
            _entry_city_filter(), search_entry__title__trigram_word_similar=text
        ).annotate(search_rank=TrigramWordSimilarity(Value(text), "search_entry__title"))
    return ranked.order_by("-search_rank", "-pk")


def is_searchable(query: str) -> bool:
    """Whether ``search_ideas`` would filter for this query (else it is a
    no-op and the page can say "no searchable words")."""
    text = normalize_query(query)
    return bool(text) and _has_lexemes(text, city_search_configs())


def _any_word_query(text: str, configs: list[str]) -> SearchQuery | None:
    """``'w1' | 'w2' | ...`` for each configuration, OR-ed: similar ideas
    share some words, not necessarily all of them. ``Lexeme`` quotes each
    word, and ``to_tsquery`` stems it and drops stop words per configuration."""
    words: list[str] = []
    for word in _WORD_RE.findall(text.lower()):
        if len(word) >= 3 and word not in words:
            words.append(word)
        if len(words) >= MAX_SIMILAR_WORDS:
            break
    if not words:
        return None
    lexemes = reduce(lambda a, b: a | b, [Lexeme(w) for w in words])
    return reduce(lambda a, b: a | b, [SearchQuery(lexemes, config=c) for c in configs])


def _significant_words(text: str, configs: list[str]) -> str:
    """The words of ``text`` of 3 letters or more that are not a stop word in
    any of ``configs`` (one small query), at most ``MAX_SIMILAR_WORDS``.

    Both halves of ``similar_ideas`` use them: "for the" in two titles is
    no likeness, yet its trigrams made every such title a candidate whose
    similarity had to be computed, and a match on its own."""
    words: list[str] = []
    for word in _WORD_RE.findall(text.lower()):
        if len(word) >= 3 and word not in words:
            words.append(word)
    if not words:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array(SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n)"
            " WHERE NOT EXISTS (SELECT 1 FROM unnest(%s::text[]) AS cfg"
            " WHERE numnode(plainto_tsquery(cfg::regconfig, w)) = 0) ORDER BY n)",
            [words, configs],
        )
        kept = cursor.fetchone()[0]
    return " ".join(kept[:MAX_SIMILAR_WORDS])


def similar_ideas(
    *, challenge: Challenge, text: str, exclude_id: int | None = None, limit: int = 5
) -> list[Idea]:
    """Public ideas of the same challenge (and so the same city) that look
    like ``text`` — the title being typed, or an idea's title — so people
    support an existing idea instead of duplicating it.

    Score = title trigram similarity + full-text rank of the words over title
    and body; a title match alone needs ``SIMILAR_TITLE_THRESHOLD``, and the
    score must reach ``SIMILAR_MIN_SCORE`` so unrelated ideas stay out.
    """
    text = normalize_query(text)
    limit = max(0, min(int(limit), 20))
    if len(text) < 3 or limit == 0:
        return []
    configs = city_search_configs()
    text = _significant_words(text, configs)
    tsquery = _any_word_query(text, configs)
    if tsquery is None:
        return []
    city = current_city_or_none()
    if city is not None and challenge.city_id != city.pk:
        return []
    city_id = challenge.city_id
    queryset = Idea.objects.public().filter(
        city_id=city_id,
        challenge_id=challenge.pk,
        search_entry__city_id=city_id,
        search_entry__challenge_id=challenge.pk,
    )
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    # Candidates: the best few by full-text rank (GIN on the vector) and the
    # best few by title similarity (GIN on the trigrams), each a top-N over
    # the entry table; only those rows get the full score. Scoring every row
    # that shares one common word cost a similarity() call each (~7 us).
    pool = limit * 3
    by_words = (
        queryset.filter(search_entry__search_vector=tsquery)
        .annotate(rank=SearchRank(F("search_entry__search_vector"), tsquery))
        .order_by("-rank")
        .values("pk")[:pool]
    )
    by_title = (
        queryset.filter(search_entry__title__trigram_similar=text)
        .annotate(similarity=TrigramSimilarity("search_entry__title", Value(text)))
        .order_by("-similarity")
        .values("pk")[:pool]
    )
    # ts_rank of an OR query is modest (0.1-0.6 for a good match); scale it
    # so a body sharing several words counts about as much as a close title.
    # Thresholds are applied in Python to the few best rows.
    candidates = (
        queryset.filter(pk__in=by_words.union(by_title))
        .annotate(
            title_similarity=TrigramSimilarity("search_entry__title", Value(text)),
            text_rank=Cast(SearchRank(F("search_entry__search_vector"), tsquery), FloatField()),
        )
        .annotate(similarity_score=F("title_similarity") + F("text_rank") * Value(1.5))
        .order_by("-similarity_score", "-pk")
    )
    found = [
        idea
        for idea in candidates[: limit * 3]
        if idea.title_similarity >= SIMILAR_TITLE_THRESHOLD
        or idea.similarity_score >= SIMILAR_MIN_SCORE
    ]
    return found[:limit]
