"""Publishing, evidence, adoption and who may do what (issue 15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.context import all_cities_context
from exchange import evidence, services
from exchange.models import Adoption, Practice, PracticeComment, TriedToo
from tests.exchange.conftest import TEXTS, publish


def figures(practice):
    return {row["key"]: row["value"] for row in practice.evidence["figures"]}


def test_publish_computes_evidence_from_the_citys_data(world, practice):
    got = figures(practice)
    # 4 authors + 8 supporters + 4 commenters, all distinct.
    assert got["participants"] == 16
    assert got["ideas"] == 4
    assert got["supports"] == 8
    assert got["comments"] == 4
    assert got["share_answered"] == 50
    assert got["median_days_to_answer"] == 7.0  # 4 and 10 days
    assert got["accepted"] == 2
    assert got["implemented"] == 0
    assert got["amount_matched"] == "0"
    assert practice.share_answered == 50
    assert practice.participants == 16
    urls = {row["url"] for row in practice.evidence["figures"]}
    assert "http://riverton.localhost/challenges/greener-streets/" in urls
    assert practice.default_language == "en"
    assert practice.translations["fr"]["title"].startswith("Des rues")


def test_publish_snapshots_the_template(practice):
    (spec,) = practice.template["challenges"]
    assert spec["phases"] == {"ideas_days": 42, "supports_days": 14, "results_days": 30}
    assert {c["name"] for c in spec["categories"]} == {"Trees", "Mobility"}
    rubric = spec["evaluation"]["rubric"]
    assert [c["name"] for c in rubric["criteria"]] == ["Impact", "Feasibility"]
    assert spec["evaluation"]["evaluators_per_idea"] == 2
    assert practice.template["match_fund"]["ratio"] == "1.50"


def test_evidence_is_a_list_of_providers_with_labels():
    assert evidence.PROVIDERS
    for key in ("participants", "share_answered", "evaluator_agreement", "amount_matched"):
        assert key in evidence.LABELS


@pytest.mark.parametrize("who", ["citizen", "moderator", "evaluator"])
def test_only_admins_publish(world, who):
    with pytest.raises(NotAllowed):
        publish(world, by=getattr(world, who))
    assert Practice.objects.count() == 0


def test_another_citys_admin_cannot_publish_in_riverton(world):
    with pytest.raises(NotAllowed):
        publish(world, by=world.lakeside_admin)


def test_publish_refuses_another_citys_challenge_ids(world):
    with city_context(world.lakeside):
        from tests.ideas.factories import ChallengeFactory

        theirs = ChallengeFactory()
    with pytest.raises(InvalidInput):
        publish(world, challenge_ids=[theirs.pk])
    with pytest.raises(InvalidInput):
        publish(world, challenge_ids=[world.challenge.pk, theirs.pk])
    with pytest.raises(InvalidInput):
        publish(world, challenge_ids=[world.draft.pk])
    with pytest.raises(InvalidInput):
        publish(world, challenge_ids=[])
    with pytest.raises(InvalidInput):
        publish(world, challenge_ids=list(range(1, 50)))
    assert Practice.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"contact_email": "admin@riverton.example"},  # a person's account
        {"contact_email": "not an address"},
        {"method": "nonsense"},
        {"topics": ["nonsense"]},
        {"licence": "all-rights-reserved"},
        {"texts": {"en": {"title": "x" * 151}}},
        {"texts": {"en": {"title": "   "}}},
        {"texts": {"en": {"title": "ok", "goal": "x" * 6000}}},
        {"texts": {"en": {"title": "ok"}, "de": {"title": "nein"}}},
        {"texts": {"en": {"title": "ok", "evil": "field"}}},
        {"texts": {"en": {"title": "nul\x00byte"}}},
    ],
)
def test_hostile_publish_input_writes_nothing(world, overrides):
    with pytest.raises(InvalidInput):
        publish(world, **overrides)
    assert Practice.objects.count() == 0


def test_slugs_are_unique_and_never_reserved(world):
    first = publish(world)
    second = publish(world)
    assert first.slug != second.slug
    reserved = publish(world, texts={"en": {"title": "Publish"}})
    assert reserved.slug != "publish"


def _as(city, fn, **kwargs):
    with city_context(city):
        return fn(**kwargs)


def test_only_the_publishing_citys_admins_refresh_and_unpublish(world, practice):
    refused = [
        (world.riverton, world.moderator),
        (world.riverton, world.citizen),
        (world.lakeside, world.lakeside_admin),
        (world.hillcrest, world.hillcrest_admin),
        # Riverton's admin on another city's host is not acting for Riverton.
        (world.lakeside, world.admin),
    ]
    for city, user in refused:
        for service in (services.practice_unpublish, services.practice_refresh_evidence):
            with pytest.raises(NotAllowed):
                _as(city, service, by=user, practice=practice)
    practice.refresh_from_db()
    assert practice.status == Practice.Status.PUBLISHED
    _as(world.riverton, services.practice_unpublish, by=world.admin, practice=practice)
    practice.refresh_from_db()
    assert practice.status == Practice.Status.UNPUBLISHED


def test_refresh_recomputes(world, practice):
    from ideas.models import Idea

    with city_context(world.riverton):
        Idea.objects.filter(pk=world.ideas[3].pk).update(support_count=10)
    before = practice.evidence_refreshed_at
    _as(world.riverton, services.practice_refresh_evidence, by=world.admin, practice=practice)
    practice.refresh_from_db()
    assert figures(practice)["supports"] == 16
    assert practice.evidence_refreshed_at > before


def adopt(world, practice, *, city=None, by=None, days=30):
    return _as(
        city or world.lakeside,
        services.practice_adopt,
        by=by or world.lakeside_admin,
        practice=practice,
        starts_on=timezone.localdate() + timedelta(days=days),
    )


def test_adoption_creates_a_french_draft_in_lakeside(world, practice):
    from evaluation.models import ChallengeEvaluation
    from ideas.models import Challenge
    from sponsors.models import MatchFund

    adoption = adopt(world, practice)
    with city_context(world.lakeside):
        challenge = Challenge.objects.get(pk=adoption.challenge_id)
        assert challenge.phase == Challenge.Phase.DRAFT
        assert challenge.title == "Des rues plus vertes"  # Lakeside's language
        # English is one of Lakeside's languages: the original text comes along.
        assert challenge.translations["en"]["title"] == "Greener streets"
        assert challenge.ideas_open_from.date() == adoption.starts_on

        # Days on the city's calendar (a daylight-saving change makes one 23 h).
        def days(a, b):
            return round((b - a).total_seconds() / 86400)

        assert days(challenge.ideas_open_from, challenge.ideas_deadline) == 42
        assert days(challenge.ideas_deadline, challenge.supports_deadline) == 14
        assert days(challenge.supports_deadline, challenge.results_date) == 30
        names = sorted(c.name for c in challenge.categories.all())
        assert names == ["Arbres", "Mobility"]
        settings = ChallengeEvaluation.objects.get(challenge=challenge)
        assert settings.evaluators_per_idea == 2
        assert [c.name for c in settings.rubric.criteria.all()] == ["Impact", "Feasibility"]
        assert settings.rubric.city_id == world.lakeside.pk
        fund = MatchFund.objects.get()
        assert not fund.is_active and str(fund.ratio) == "1.50"
        assert challenge.ideas.count() == 0  # no idea crosses


def test_categories_are_matched_by_name(world, practice):
    from ideas.models import Category

    with city_context(world.lakeside):
        from tests.ideas.factories import CategoryFactory

        mine = CategoryFactory(name="Arbres", slug="arbres")
    adopt(world, practice)
    with city_context(world.lakeside):
        assert Category.objects.filter(name="Arbres").get() == mine


def test_adoption_writes_only_the_adopting_citys_rows(world, practice):
    tables = [
        "ideas_challenge",
        "ideas_category",
        "evaluation_rubric",
        "evaluation_criterion",
        "evaluation_challengeevaluation",
        "sponsors_matchfund",
    ]

    def counts():
        with all_cities_context(), connection.cursor() as cursor:
            out = {}
            for table in tables:
                cursor.execute(f"SELECT city_id, count(*) FROM {table} GROUP BY city_id")  # noqa: S608
                out[table] = dict(cursor.fetchall())
            return out

    before = counts()
    adopt(world, practice)
    after = counts()
    for table in tables:
        assert after[table].get(world.riverton.pk) == before[table].get(world.riverton.pk)
        assert after[table].get(world.hillcrest.pk) == before[table].get(world.hillcrest.pk)
    assert after["ideas_challenge"][world.lakeside.pk] == 1
    # RLS holds in the adopting city's context: it sees its own rows only.
    with city_context(world.lakeside), connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT city_id FROM ideas_challenge")
        assert cursor.fetchall() == [(world.lakeside.pk,)]


def test_double_and_stale_adoption_create_one_challenge(world, practice):
    from ideas.models import Challenge

    first = adopt(world, practice)
    second = adopt(world, practice, days=60)  # a stale form with another date
    assert first.pk == second.pk
    assert Adoption.objects.count() == 1
    with city_context(world.lakeside):
        assert Challenge.objects.count() == 1


@pytest.mark.parametrize("days", [-1, 5000])
def test_adoption_refuses_dates_out_of_range(world, practice, days):
    with pytest.raises(InvalidInput):
        adopt(world, practice, days=days)
    assert Adoption.objects.count() == 0


def test_who_may_adopt(world, practice):
    with pytest.raises(NotAllowed):
        adopt(world, practice, by=world.lakeside_moderator)
    with pytest.raises(NotAllowed):  # its own city
        adopt(world, practice, city=world.riverton, by=world.admin)
    with pytest.raises(NotAllowed):  # Riverton's admin is nobody in Lakeside
        adopt(world, practice, by=world.admin)
    _as(world.riverton, services.practice_unpublish, by=world.admin, practice=practice)
    practice.refresh_from_db()
    with pytest.raises(NotAllowed):
        adopt(world, practice)
    assert Adoption.objects.count() == 0


def test_unpublishing_keeps_the_adopters_copies(world, practice):
    from ideas.models import Challenge

    adoption = adopt(world, practice)
    _as(world.riverton, services.practice_unpublish, by=world.admin, practice=practice)
    with city_context(world.lakeside):
        assert Challenge.objects.filter(pk=adoption.challenge_id).exists()
    assert Adoption.objects.filter(pk=adoption.pk).exists()


def test_an_adopters_own_practice_links_to_the_original(world, practice):
    from ideas.models import Challenge

    adoption = adopt(world, practice)
    with city_context(world.lakeside):
        Challenge.objects.filter(pk=adoption.challenge_id).update(phase="ideas")
        own = services.practice_publish(
            by=world.lakeside_admin,
            challenge_ids=[adoption.challenge_id],
            texts={"fr": {"title": "Nos rues plus vertes"}},
            contact_email="participation@lakeside.example",
            method="call_for_ideas",
        )
    assert own.adopted_from == practice
    from exchange.selectors import comparisons

    assert comparisons(practice) == [practice, own]
    assert comparisons(own) == [practice, own]


def test_adopted_from_must_be_a_practice_the_city_adopted(world, practice):
    from tests.ideas.factories import ChallengeFactory

    with city_context(world.lakeside):
        mine = ChallengeFactory()
        with pytest.raises(InvalidInput):
            services.practice_publish(
                by=world.lakeside_admin,
                challenge_ids=[mine.pk],
                texts={"fr": {"title": "Copie"}},
                contact_email="participation@lakeside.example",
                method="call_for_ideas",
                adopted_from=practice,
            )


def test_comments_show_city_and_role_and_need_staff(world, practice):
    comment = _as(
        world.hillcrest,
        services.practice_comment,
        by=world.hillcrest_admin,
        practice=practice,
        text="How long did the permits take?",
    )
    assert comment.author_city == world.hillcrest
    assert comment.author_role == "city_admin"
    with pytest.raises(NotAllowed):
        _as(
            world.riverton,
            services.practice_comment,
            by=world.citizen,
            practice=practice,
            text="hi",
        )
    with pytest.raises(InvalidInput):
        _as(
            world.hillcrest,
            services.practice_comment,
            by=world.hillcrest_admin,
            practice=practice,
            text="x" * 2001,
        )
    assert PracticeComment.objects.count() == 1


def test_tried_too_once_per_city(world, practice):
    for text in ("First outcome", "Second outcome"):
        _as(
            world.hillcrest,
            services.practice_tried_too,
            by=world.hillcrest_admin,
            practice=practice,
            outcome=text,
        )
    assert list(TriedToo.objects.values_list("outcome", flat=True)) == ["Second outcome"]
    with pytest.raises(NotAllowed):  # not on your own practice
        _as(
            world.riverton,
            services.practice_tried_too,
            by=world.admin,
            practice=practice,
            outcome="x",
        )


def test_texts_fixture_is_valid():
    assert TEXTS["en"]["title"]


def fake_provider(city, challenges):
    from exchange.evidence import Figure

    return [Figure("projects_done", 3, "http://riverton.localhost/statistics/")]


fake_provider.labels = {"projects_done": "Projects done"}


def test_a_provider_named_in_settings_adds_its_figures(world, settings):
    settings.EXCHANGE_EVIDENCE_PROVIDERS = ["tests.exchange.test_services.fake_provider"]
    practice = publish(world)
    assert figures(practice)["projects_done"] == 3
    assert any(row["label"] == "Projects done" for row in evidence.rows(practice.evidence))
