"""Bulk import: the admin pages, their permissions and hostile requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import tasks
from ideas.models import Channel, Idea, ImportBatch, ImportStatus
from tests.conftest import client_for, make_member
from tests.ideas.factories import CategoryFactory, ChallengeFactory
from tests.offline.test_import_files import csv_bytes

pytestmark = pytest.mark.django_db

URL = "/admin/ideas/idea/import/"


@pytest.fixture
def challenge(city):
    with city_context(city):
        CategoryFactory(name="Parks", slug="parks")
        return ChallengeFactory(slug="green", title="A greener Riverton")


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR)


def form(challenge, data=None, name="workshop.csv"):
    return {
        "file": SimpleUploadedFile(name, data or csv_bytes("A bench,By the river,Parks,,,yes")),
        "challenge": challenge.pk,
        "channel": Channel.WORKSHOP,
        "channel_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "language": "en",
    }


def test_changelist_links_to_the_import(city, moderator, challenge):
    response = client_for(moderator, city).get("/admin/ideas/idea/")
    assert URL in response.content.decode()


def test_upload_dry_run_import_and_undo_through_the_pages(city, moderator, challenge):
    client = client_for(moderator, city)
    assert client.get(URL).status_code == 200
    data = csv_bytes("A bench,By the river,Parks,,,yes", "Trees,More,Nowhere,,,yes")
    response = client.post(URL, form(challenge, data))
    assert response.status_code == 302
    page = response["Location"]
    with city_context(city):
        batch = ImportBatch.objects.get()
    assert page == f"{URL}{batch.pk}/"
    mapping = {"title": "0", "description": "1", "category": "2", "consent": "5"}
    assert client.post(page, {"action": "check", **mapping}).status_code == 302
    body = client.get(page).content.decode()
    assert "Unknown category “Nowhere”." in body
    assert "Import 1 idea" in body
    with city_context(city):
        assert Idea.objects.count() == 0
    assert client.post(page, {"action": "start"}).status_code == 302
    with city_context(city):
        batch.refresh_from_db()
        assert batch.status == ImportStatus.QUEUED
    progress = client.get(f"{page}progress/")
    assert 'data-poll="' in progress.content.decode()
    tasks.import_batch.apply(args=[city.pk, batch.pk], throw=True)
    progress = client.get(f"{page}progress/").content.decode()
    assert "data-poll" not in progress
    assert "1 ideas created" in progress
    assert "Undo this import" in client.get(page).content.decode()
    assert client.post(page, {"action": "undo"}).status_code == 302
    with city_context(city):
        assert Idea.objects.get().status == "withdrawn"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ("title,description\nCafé,Crème\n".encode("latin-1"), "a.csv", "not in UTF-8"),
        ("title,description\nA,B\n".encode("utf-16"), "a.csv", "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "a.csv", "binary"),
        (b"title,description,consent\n", "a.csv", "no rows"),
        (b"title,description\n" + b"a,b\n" * 100_000, "big.csv", "more than 5,000 rows"),
    ],
)
def test_hostile_uploads_are_form_errors(city, moderator, challenge, data, name, message):
    response = client_for(moderator, city).post(URL, form(challenge, data, name))
    assert response.status_code == 400
    assert message in response.content.decode()
    with city_context(city):
        assert ImportBatch.objects.count() == 0


def test_empty_upload_is_a_form_error(city, moderator, challenge):
    payload = form(challenge)
    payload["file"] = SimpleUploadedFile("a.csv", b"")
    response = client_for(moderator, city).post(URL, payload)
    assert response.status_code == 400


def test_other_citys_challenge_id_is_refused(city, other_city, moderator):
    with city_context(other_city):
        foreign = ChallengeFactory(slug="docks")
    response = client_for(moderator, city).post(URL, form(foreign))
    assert response.status_code == 400
    with city_context(city):
        assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.EVALUATOR])
def test_pages_refused_to_non_moderators(city, moderator, challenge, role):
    client = client_for(moderator, city)
    client.post(URL, form(challenge))
    with city_context(city):
        batch = ImportBatch.objects.get()
    other = client_for(make_member(city, role), city)
    assert other.get(URL).status_code in (302, 403)
    assert other.post(URL, form(challenge)).status_code in (302, 403)
    for action in ("check", "start", "undo"):
        response = other.post(f"{URL}{batch.pk}/", {"action": action})
        assert response.status_code in (302, 403)
    assert other.get(f"{URL}{batch.pk}/progress/").status_code in (302, 403)
    with city_context(city):
        assert ImportBatch.objects.count() == 1
        assert ImportBatch.objects.get().status == ImportStatus.UPLOADED


def test_evaluator_gets_403(city, challenge):
    evaluator = make_member(city, Role.EVALUATOR)
    assert client_for(evaluator, city).get(URL).status_code == 403


def test_other_citys_staff_and_batches(city, other_city, moderator, challenge):
    client_for(moderator, city).post(URL, form(challenge))
    with city_context(city):
        batch = ImportBatch.objects.get()
    foreign_admin = make_member(other_city, Role.CITY_ADMIN)
    foreign = client_for(foreign_admin, city)
    assert foreign.get(URL).status_code in (302, 403)
    assert foreign.get(f"{URL}{batch.pk}/").status_code in (302, 403)
    # Their own admin never finds this city's batch.
    at_home = client_for(foreign_admin, other_city)
    assert at_home.get(f"{URL}{batch.pk}/").status_code == 404
    assert at_home.post(f"{URL}{batch.pk}/", {"action": "undo"}).status_code == 404
    assert at_home.get(f"{URL}not-a-number/").status_code == 404


def test_batch_page_query_count(city, moderator, challenge, django_assert_max_num_queries):
    client = client_for(moderator, city)
    rows = [f"Idea {n},Text {n},Parks,,,yes" for n in range(200)]
    client.post(URL, form(challenge, csv_bytes(*rows)))
    with city_context(city):
        batch = ImportBatch.objects.get()
    page = f"{URL}{batch.pk}/"
    client.post(page, {"action": "check", "title": "0", "description": "1", "consent": "5"})
    with django_assert_max_num_queries(20):
        response = client.get(page)
    assert response.status_code == 200
    assert "Import 200 ideas" in response.content.decode()


def test_stale_actions_are_refused_with_a_message(city, moderator, challenge):
    client = client_for(moderator, city)
    page = client.post(URL, form(challenge))["Location"]
    # Importing before the dry run, then checking again after the start.
    response = client.post(page, {"action": "start"}, follow=True)
    assert "Check the file (dry run) before importing it." in response.content.decode()
    client.post(page, {"action": "check", "title": "0", "description": "1", "consent": "5"})
    client.post(page, {"action": "start"})
    response = client.post(
        page, {"action": "check", "title": "0", "description": "1", "consent": "5"}, follow=True
    )
    assert "This import has already started." in response.content.decode()
    response = client.post(page, {"action": "start"}, follow=True)
    assert "Check the file (dry run) before importing it." in response.content.decode()
    response = client.post(page, {"action": "undo"}, follow=True)
    assert "Only a finished import can be undone." in response.content.decode()
    assert client.post(page, {"action": "bogus"}).status_code == 400
    with city_context(city):
        assert Idea.objects.count() == 0


def test_mapping_with_a_column_out_of_range_is_a_form_error(city, moderator, challenge):
    client = client_for(moderator, city)
    page = client.post(URL, form(challenge))["Location"]
    response = client.post(
        page, {"action": "check", "title": "42", "description": "1", "consent": "5"}
    )
    assert response.status_code == 400
    with city_context(city):
        assert ImportBatch.objects.get().status == ImportStatus.UPLOADED


def test_xlsx_upload_through_the_page(city, moderator, challenge):
    from tests.offline.test_import_files import xlsx_bytes

    data = xlsx_bytes(
        [["Titel", "Beschrijving", "Toestemming"], ["Een bank", '=HYPERLINK("x")', "ja"]]
    )
    client = client_for(moderator, city)
    page = client.post(URL, form(challenge, data, "werkwinkel.xlsx"))["Location"]
    with city_context(city):
        batch = ImportBatch.objects.get()
        assert batch.mapping["title"] == 0 and batch.mapping["consent"] == 2
        assert batch.rows == [["Een bank", "", "ja"]]
    client.post(page, {"action": "check", "title": "0", "description": "1", "consent": "2"})
    assert "Import 0 ideas" in client.get(page).content.decode()  # the description is empty
