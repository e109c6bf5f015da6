"""The data export: one a day, built by a task into a private ZIP of every
city's data, downloadable for 24 hours by its owner only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone, translation

from civicideas.accounts import export as export_service
from civicideas.accounts.models import DataExport
from civicideas.notifications.models import Notification
from civicideas.tenancy.context import all_cities_context, city_context
from tests.accounts.participation import EMAIL, NAME, Participation
from tests.conftest import client_for, host_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city, other_city):
    return Participation(city, other_city)


def all_exports() -> list[DataExport]:
    with all_cities_context():
        return list(DataExport.objects.select_related("city").order_by("-pk"))


def ask(client: Client, captured) -> DataExport:
    with captured() as callbacks:
        response = client.post("/me/export/")
    assert response.status_code == 302, response.content
    assert len(callbacks) == 1  # the task is queued after commit
    return all_exports()[0]


def build(export: DataExport) -> DataExport:
    export_service.build_export(city=export.city, export_id=export.pk)
    return next(e for e in all_exports() if e.pk == export.pk)


def download(client: Client, export: DataExport) -> zipfile.ZipFile:
    response = client.get(f"/me/export/{export.token}/")
    assert response.status_code == 200
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def read(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(archive.read(name))


def test_export_covers_every_city_and_app(world, django_capture_on_commit_callbacks):
    client = client_for(world.zelda, world.riverton)
    export = build(ask(client, django_capture_on_commit_callbacks))
    assert export.state == DataExport.State.READY and export.size > 0
    assert export.expires_at - export.ready_at == timedelta(hours=24)

    archive = download(client, export)
    names = set(archive.namelist())
    assert {"README.txt", "account.json"} <= names
    assert read(archive, "account.json")[0]["email"] == EMAIL
    assert read(archive, "riverton/profile/profile.json")[0]["display_name"] == NAME
    assert [i["title"] for i in read(archive, "riverton/ideas/ideas.json")] == ["Zelda's bench"]
    assert [i["title"] for i in read(archive, "lakeside/ideas/ideas.json")] == ["Lakeside swim"]
    assert read(archive, "riverton/ideas/comments.json")[0]["body"] == "I like it"
    assert len(read(archive, "riverton/ideas/supports.json")) == 1
    assert len(read(archive, "lakeside/ideas/supports.json")) == 1
    assert read(archive, "riverton/ideas/reports.json")[0]["reason"] == "spam?"
    assert len(read(archive, "riverton/ideas/follows.json")) == 1
    assert read(archive, "riverton/ideas/status_changes_made.json")[0]["official"] is True
    assert archive.read(f"riverton/ideas/images/{world.image_name}") == b"png"
    assert len(read(archive, "riverton/evaluation/assignments.json")) == 1
    assert len(read(archive, "riverton/sponsors/group_memberships.json")) == 1
    assert len(read(archive, "riverton/sponsors/offers.json")) == 1
    assert len(read(archive, "riverton/notifications/preferences.json")) == 1
    token = read(archive, "riverton/api_tokens/api_tokens.json")[0]
    assert token["name"].endswith("…") and "hash" not in json.dumps(token)
    with city_context(world.riverton):
        note = Notification.objects.get(recipient=world.zelda, kind="export_ready")
    assert note.subject_ref == f"accounts.dataexport:{export.pk}"


def test_readme_is_in_the_persons_language(world, django_capture_on_commit_callbacks, monkeypatch):
    """Rendered in the language the person chose where they asked (the
    catalogues are compiled by the owner, so the test reads the language)."""
    languages = []
    real = export_service.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(export_service, "render_to_string", spy)
    client = client_for(world.zelda, world.lakeside)  # preferred language there: French
    archive = download(client, build(ask(client, django_capture_on_commit_callbacks)))
    assert languages == ["fr"]
    assert "account.json" in archive.read("README.txt").decode()


def test_one_export_a_day(world, django_capture_on_commit_callbacks):
    client = client_for(world.zelda, world.riverton)
    first = ask(client, django_capture_on_commit_callbacks)
    again = client_for(world.zelda, world.lakeside).post("/me/export/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 429
    assert "one export a day" in again.content.decode()
    assert len(all_exports()) == 1
    # A failed export does not count; a day later the person may ask again.
    with city_context(world.riverton):
        DataExport.objects.filter(pk=first.pk).update(state="failed")
    ask(client, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        ask(client, django_capture_on_commit_callbacks)


def test_another_persons_link_is_a_404(world, django_capture_on_commit_callbacks):
    client = client_for(world.zelda, world.riverton)
    export = build(ask(client, django_capture_on_commit_callbacks))
    url = f"/me/export/{export.token}/"
    assert client_for(world.other, world.riverton).get(url).status_code == 404
    # The same person on another city's host: the link is the asking city's.
    assert client_for(world.zelda, world.lakeside).get(url).status_code == 404
    anonymous = Client(HTTP_HOST=host_of(world.riverton)).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # The archive is never served as a plain upload.
    media = Client(HTTP_HOST=host_of(world.riverton)).get(f"/media/{export.file_name}")
    assert media.status_code == 404
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "token", ["x", "../../etc/passwd", "%00", "a" * 65, "é" * 30, "1' OR '1'='1", "9" * 40]
)
def test_hostile_tokens_are_404(world, token):
    client = client_for(world.zelda, world.riverton)
    assert client.get(f"/me/export/{token}/").status_code == 404


def test_expired_link_is_a_404_and_purged(world, django_capture_on_commit_callbacks):
    client = client_for(world.zelda, world.riverton)
    export = build(ask(client, django_capture_on_commit_callbacks))
    assert default_storage.exists(export.file_name)
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert client.get(f"/me/export/{export.token}/").status_code == 404
        with city_context(world.riverton), django_capture_on_commit_callbacks(execute=True):
            assert export_service.exports_purge() == 1
    assert not default_storage.exists(export.file_name)
    assert all_exports()[0].state == "expired"


def test_building_twice_makes_one_archive(world, django_capture_on_commit_callbacks):
    client = client_for(world.zelda, world.riverton)
    export = build(ask(client, django_capture_on_commit_callbacks))
    again = build(export)
    assert again.file_name == export.file_name and again.ready_at == export.ready_at


def test_export_page_wrong_method_and_anonymous(world):
    client = client_for(world.zelda, world.riverton)
    assert client.put("/me/export/").status_code == 405
    assert client.post(f"/me/export/{'a' * 43}/").status_code == 405
    anonymous = Client(HTTP_HOST=host_of(world.riverton))
    assert anonymous.post("/me/export/").status_code == 302
    assert all_exports() == []


def test_export_page_queries_do_not_grow(
    world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_for(world.zelda, world.riverton)
    build(ask(client, django_capture_on_commit_callbacks))
    with django_assert_max_num_queries(14):
        response = client.get("/me/export/")
    assert response.status_code == 200
    assert f"/me/export/{all_exports()[0].token}/" in response.content.decode()
