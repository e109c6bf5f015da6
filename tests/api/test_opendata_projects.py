"""The ``projects`` and ``milestones`` open data: public projects only, no
responsible person, no update author, times with their offset, formulas
neutralised in CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from civicideas.accounts.models import Profile
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Department
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.ideas.factories import IdeaFactory
from tests.projects.factories import (
    MilestoneFactory,
    ProjectFactory,
    ProjectIdeaFactory,
    ProjectUpdateFactory,
)

pytestmark = pytest.mark.django_db


def body_of(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def seeded(city, other_city):
    person = make_member(city, Role.CITY_ADMIN, email="named.officer@example.org")
    with city_context(city):
        Profile.objects.create(city=city, user=person, display_name="Zebulon Officer")
        department = Department.objects.create(city=city, name="Parks", slug="parks")
        project = ProjectFactory(
            title='=HYPERLINK("http://evil")',
            responsible=person,
            department=department,
            translations={"nl": {"title": "Bomen"}},
        )
        public_idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
        ProjectIdeaFactory(project=project, idea=public_idea)
        MilestoneFactory(project=project, title="Dig", due_on=date(2026, 4, 1))
        ProjectUpdateFactory(project=project, author=person, text="Started")
        hidden = ProjectFactory(title="Secret project", is_public=False)
        MilestoneFactory(project=hidden, title="Secret milestone")
    with city_context(other_city):
        ProjectFactory(title="Foreign project")
    return {"person": person, "project": project, "idea": public_idea}


def test_projects_dataset_has_no_person_and_only_public_projects(city, seeded, anon):
    records = json.loads(body_of(anon.get("/api/v1/open-data/projects.json")))["records"]
    assert [r["id"] for r in records] == [seeded["project"].pk]
    record = records[0]
    assert record["department"] == "Parks"
    assert record["idea_ids"] == [seeded["idea"].pk]
    assert record["translations"] == {"nl": {"title": "Bomen"}}
    # Times carry the city's offset.
    assert record["updated_at"][-6] in "+-" and record["updated_at"][-3] == ":"
    assert not {"responsible", "responsible_id", "author"} & set(record)
    for ext in ("csv", "json"):
        for name in ("projects", "milestones"):
            text = body_of(anon.get(f"/api/v1/open-data/{name}.{ext}"))
            assert "named.officer" not in text and "Zebulon" not in text
            assert "Secret" not in text and "Foreign" not in text


def test_milestones_dataset(city, seeded, anon):
    records = json.loads(body_of(anon.get("/api/v1/open-data/milestones.json")))["records"]
    assert [(r["project_id"], r["title"], r["due_on"]) for r in records] == [
        (seeded["project"].pk, "Dig", "2026-04-01")
    ]


def test_project_csv_neutralises_formulas(city, seeded, anon):
    rows = list(csv.DictReader(io.StringIO(body_of(anon.get("/api/v1/open-data/projects.csv")))))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert json.loads(rows[0]["idea_ids"]) == [seeded["idea"].pk]


def test_catalogue_lists_the_project_datasets(city, anon):
    datasets = {d["name"]: d for d in anon.get("/api/v1/open-data/").json()["datasets"]}
    fields = {f["field"] for f in datasets["projects"]["fields"]}
    assert {"department", "budget_planned", "progress"} <= fields
    assert not {"responsible", "author"} & fields
    assert "milestones" in datasets
