"""``manage.py backup`` and ``manage.py restore`` (issue 18): two cities'
data and uploads backed up through the admin role (row-level security hides
nothing), restored into a new database with the same row counts per table,
where the application role still sees only each city's rows and the pages
render, with their images."""

from __future__ import annotations

import io
import json
import tarfile

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from PIL import Image
from psycopg import sql

from civicideas.ops.backup import _admin_conninfo, table_counts
from civicideas.tenancy import city_context
from civicideas.tenancy.context import CITY_SETTING
from ideas.models import Idea
from ideas.services import idea_attach_images
from tests.conftest import host_of
from tests.factories import CityFactory
from tests.ideas.factories import CommentFactory, IdeaFactory, SupportFactory

pytestmark = pytest.mark.slow


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 20), (200, 100, 0)).save(out, format="PNG")
    return out.getvalue()


def use_storage(settings, location) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    settings.SERVE_MEDIA = True


def admin_execute(dbname: str, statement: sql.Composable) -> None:
    conninfo, env = _admin_conninfo(dbname)
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True) as conn:
        conn.execute(statement)


def counts_in(dbname: str) -> dict[str, int]:
    conninfo, env = _admin_conninfo(dbname)
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
        return table_counts(conn)


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    admin_execute("postgres", drop)
    yield name
    admin_execute("postgres", drop)


@pytest.fixture
def two_cities(transactional_db, settings, tmp_path):
    use_storage(settings, tmp_path / "media")
    cities = {}
    for slug in ("riverton", "lakeside"):
        city = CityFactory(slug=slug, name=slug.title())
        with city_context(city):
            ideas = [IdeaFactory(title=f"{slug} idea {n}") for n in range(3)]
            CommentFactory(idea=ideas[0])
            SupportFactory(idea=ideas[1])
            idea_attach_images(
                idea=ideas[0],
                by=ideas[0].author,
                files=[SimpleUploadedFile("photo.png", png_bytes(), "image/png")],
                alt_texts=[f"{slug} photo"],
            )
        cities[slug] = (city, ideas)
    return cities


def test_backup_and_restore_round_trip(two_cities, restored_name, settings, tmp_path, monkeypatch):
    source_db = connection.settings_dict["NAME"]
    target = tmp_path / "backup"
    call_command("backup", output=target)

    manifest = json.loads((target / "manifest.json").read_text())
    # Every city's rows, although the application role sees none without a city.
    assert manifest["tables"]["public.ideas_idea"] == 6
    assert manifest["tables"]["public.ideas_ideaimage"] == 2
    assert manifest["tables"] == counts_in(source_db)
    assert manifest["media"]["files"] == 2
    with tarfile.open(target / "media.tar") as archive:
        assert sorted(m.name for m in archive) == sorted(
            image.image.name
            for city, ideas in two_cities.values()
            for image in _images_of(city, ideas[0])
        )

    # Restore into a new database and a new, empty storage.
    use_storage(settings, tmp_path / "restored-media")
    call_command("restore", target, database=restored_name)
    assert counts_in(restored_name) == manifest["tables"]

    # Row-level security holds on the restored copy for the application role.
    db = settings.DATABASES["default"]
    app = psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "127.0.0.1",
        port=str(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=restored_name,
    )
    riverton, _ = two_cities["riverton"]
    with psycopg.connect(app) as conn:
        assert conn.execute("SELECT count(*) FROM ideas_idea").fetchone()[0] == 0
        conn.execute("SELECT set_config(%s, %s, true)", [CITY_SETTING, str(riverton.pk)])
        titles = {row[0] for row in conn.execute("SELECT title FROM ideas_idea").fetchall()}
    assert titles == {f"riverton idea {n}" for n in range(3)}

    # The pages render from the restored database, images included.
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "NAME", restored_name)
    try:
        for slug, (city, ideas) in two_cities.items():
            client = Client(HTTP_HOST=host_of(city))
            page = client.get(f"/ideas/{ideas[0].pk}/")
            assert page.status_code == 200
            html = page.content.decode()
            assert f"{slug} idea 0" in html and f'alt="{slug} photo"' in html
            with city_context(city):
                image = Idea.objects.get(pk=ideas[0].pk).images.get()
            assert client.get(image.image.url).status_code == 200
            other = "lakeside" if slug == "riverton" else "riverton"
            assert client.get(f"/ideas/{two_cities[other][1][0].pk}/").status_code == 404
    finally:
        connection.close()
        monkeypatch.undo()
        use_storage(settings, tmp_path / "media")

    # A second restore into the now non-empty database is refused, clearly.
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", target, database=restored_name)
    assert counts_in(restored_name) == manifest["tables"]


def _images_of(city, idea):
    with city_context(city):
        return list(Idea.objects.get(pk=idea.pk).images.all())


def test_a_tampered_backup_is_refused_before_anything_is_written(
    two_cities, restored_name, tmp_path
):
    target = tmp_path / "backup"
    call_command("backup", output=target)
    with (target / "database.dump").open("ab") as dump:
        dump.write(b"garbage")
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", target, database=restored_name)
    conninfo, env = _admin_conninfo("postgres")
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [restored_name])
        assert exists.fetchone() is None


def test_backup_refuses_a_used_directory_and_restore_a_missing_one(two_cities, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "something").write_text("keep me")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=used)
    assert (used / "something").read_text() == "keep me"
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", tmp_path / "nowhere", database="unused_name")


def test_backup_refuses_an_admin_role_bound_by_row_level_security(two_cities, settings, tmp_path):
    db = settings.DATABASES["default"]
    settings.DATABASE_ADMIN_URL = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/postgres"
    )
    with pytest.raises(CommandError, match="row-level security would hide"):
        call_command("backup", output=tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_restore_refuses_the_configured_database_which_is_not_empty(two_cities, tmp_path):
    target = tmp_path / "backup"
    call_command("backup", output=target)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", target)
    assert settings.DATABASES["default"]["NAME"] == connection.settings_dict["NAME"]


def test_the_demo_survives_a_backup_and_restore(
    transactional_db, restored_name, settings, tmp_path, monkeypatch
):
    """The issue's own scenario: the demo backed up, restored into a new
    database with the same rows per table, and its pages rendered from it."""
    from civicideas.tenancy.models import City
    from ideas.models import Challenge

    use_storage(settings, tmp_path / "media")
    call_command("seed_demo", "--password", "demo-pass-123", stdout=io.StringIO())
    target = tmp_path / "backup"
    call_command("backup", output=target, stdout=io.StringIO())
    manifest = json.loads((target / "manifest.json").read_text())
    call_command("restore", target, database=restored_name, stdout=io.StringIO())
    assert counts_in(restored_name) == manifest["tables"]

    pages = []
    for city in City.objects.all():
        with city_context(city):
            challenge = Challenge.objects.order_by("pk").first()
            idea = Idea.objects.public().order_by("pk").first()
        pages.append((city, ["/", f"/challenges/{challenge.slug}/", f"/ideas/{idea.pk}/"]))
    assert len(pages) >= 2
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "NAME", restored_name)
    try:
        for city, paths in pages:
            client = Client(HTTP_HOST=host_of(city))
            for path in paths:
                assert client.get(path).status_code == 200, (city.slug, path)
    finally:
        connection.close()
        monkeypatch.undo()
