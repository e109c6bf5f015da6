"""Open data: catalogue, licence, data dictionary, no personal data, no
hidden content, CSV injection neutralised, constant-memory streaming."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest

from civicideas.api import opendata
from civicideas.tenancy import city_context
from ideas.models import Idea
from ideas.status import IdeaStatus
from tests.api.world import World
from tests.ideas.factories import ChallengeFactory, CommentFactory, DistrictFactory, IdeaFactory

pytestmark = pytest.mark.django_db


def body_of(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def test_catalogue_lists_every_dataset_with_licence_and_dictionary(city, anon):
    response = anon.get("/api/v1/open-data/")
    assert response.status_code == 200
    data = response.json()
    assert data["licence"]["name"] == "CC BY 4.0"
    names = {d["name"] for d in data["datasets"]}
    assert names == {
        "ideas",
        "challenges",
        "official-answers",
        "initiatives",
        "needs",
        "projects",
        "milestones",
        "participation",
    }
    ideas = next(d for d in data["datasets"] if d["name"] == "ideas")
    assert ideas["csv"].endswith("/api/v1/open-data/ideas.csv")
    assert {"field": "support_count", "type": "integer"}.items() <= ideas["fields"][11].items()
    assert "author" not in {f["field"] for f in ideas["fields"]}


def test_per_city_licence_setting(city, anon, settings):
    settings.OPEN_DATA_LICENCES = {"riverton": {"name": "ODbL", "url": "https://odbl.example"}}
    assert anon.get("/api/v1/open-data/").json()["licence"]["name"] == "ODbL"
    response = anon.get("/api/v1/open-data/ideas.csv")
    assert response["Link"] == '<https://odbl.example>; rel="license"'


def test_every_dataset_streams_without_personal_or_hidden_data(city, other_city, anon):
    world = World(city, other_city)
    with city_context(city):
        IdeaFactory(
            challenge=world.here.challenge, title="Secret pending", status=IdeaStatus.PENDING
        )
        IdeaFactory(challenge=world.here.challenge, title="Secret hidden", status=IdeaStatus.HIDDEN)
    for name in opendata.DATASETS:
        for ext in ("csv", "json"):
            text = body_of(anon.get(f"/api/v1/open-data/{name}.{ext}"))
            assert "Secret" not in text
            for user in world.users.values():
                assert user.email not in text
            assert world.there.idea.title not in text or name != "ideas"
            if ext == "json":
                data = json.loads(text)
                assert data["licence"]["name"] == "CC BY 4.0"
                assert [f["field"] for f in data["fields"]] == [
                    c.name for c in opendata.DATASETS[name].columns
                ]
    ideas = json.loads(body_of(anon.get("/api/v1/open-data/ideas.json")))["records"]
    assert [r["id"] for r in ideas] == [world.here.idea.pk, world.here.eval_idea.pk]
    assert ideas[0]["district"] == world.here.district.name


def test_unknown_dataset_is_404(city, anon):
    assert anon.get("/api/v1/open-data/users.csv").status_code == 404
    assert anon.get("/api/v1/open-data/users.json").status_code == 404


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_formulas_are_neutralised(city, anon, prefix):
    with city_context(city):
        IdeaFactory(title=f'{prefix}HYPERLINK("http://evil")', body=f"{prefix}1+1")
    rows = list(csv.DictReader(io.StringIO(body_of(anon.get("/api/v1/open-data/ideas.csv")))))
    assert rows[0]["title"].startswith("'" + prefix)
    assert rows[0]["body"] == f"'{prefix}1+1"


def test_participation_counts_per_district_and_month(city, anon):
    with city_context(city):
        district = DistrictFactory(name="North")
        challenge = ChallengeFactory()
        idea = IdeaFactory(challenge=challenge, district=district)
        IdeaFactory(challenge=challenge, district=district)
        IdeaFactory(challenge=challenge, district=district, status=IdeaStatus.HIDDEN)
        CommentFactory(idea=idea)
    rows = json.loads(body_of(anon.get("/api/v1/open-data/participation.json")))["records"]
    north = [r for r in rows if r["district"] == "North"]
    assert len(north) == 1 and north[0]["ideas"] == 2 and north[0]["comments"] == 1


def _seed(city, challenge, count: int) -> None:
    with city_context(city):
        Idea.objects.bulk_create(
            Idea(
                city=city,
                challenge=challenge,
                author_id=_author(city),
                title=f"Idea {i} " + "x" * 100,
                body="y" * 400,
                language="en",
                status=IdeaStatus.PUBLISHED,
            )
            for i in range(count)
        )


_AUTHOR: dict[int, int] = {}


def _author(city) -> int:
    if city.pk not in _AUTHOR:
        from tests.factories import UserFactory

        _AUTHOR[city.pk] = UserFactory().pk
    return _AUTHOR[city.pk]


def _peak_while_streaming(anon) -> tuple[int, int]:
    response = anon.get("/api/v1/open-data/ideas.csv")
    tracemalloc.start()
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines, peak


def test_export_memory_does_not_grow_with_rows(city, anon, monkeypatch):
    # Smaller chunks than in production so both runs span many of them: the
    # peak is about two chunks (one held by the cursor, one being written).
    monkeypatch.setattr(opendata, "CHUNK_SIZE", 250)
    _AUTHOR.clear()
    with city_context(city):
        challenge = ChallengeFactory()
    _seed(city, challenge, 2_000)
    small_lines, small_peak = _peak_while_streaming(anon)
    _seed(city, challenge, 18_000)
    big_lines, big_peak = _peak_while_streaming(anon)
    assert (small_lines, big_lines) == (2_001, 20_001)
    # Ten times the rows, the same peak (a list of 20,000 rows of ~600
    # bytes would add about 12 MB).
    assert big_peak < small_peak * 1.3 + 256 * 1024, (small_peak, big_peak)


def test_export_reads_in_chunks(city, anon, monkeypatch):
    calls = []
    original = opendata._values

    def spy(queryset, columns):
        calls.append(queryset)
        return original(queryset, columns)

    monkeypatch.setattr(opendata, "_values", spy)
    monkeypatch.setattr(opendata, "CHUNK_SIZE", 7)
    with city_context(city):
        IdeaFactory.create_batch(20)
    assert body_of(anon.get("/api/v1/open-data/ideas.csv")).count("\n") == 21
    assert len(calls) == 1
