"""``/media/`` (civicideas.media): uploads on this host's storage are served
(issue 12: "Uploaded images are never served"), safely: only images inline,
anything else as a sandboxed download, nothing outside the storage."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from civicideas.tenancy import city_context
from ideas.services import idea_attach_images
from tests.conftest import host_of
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (0, 90, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def local_storage(settings, tmp_path):
    """Files on disk, as in ``make run``."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.SERVE_MEDIA = True
    (tmp_path / "secret.txt").write_text("outside the storage")
    return tmp_path / "media"


@pytest.fixture
def stored_image(city, local_storage):
    with city_context(city):
        idea = IdeaFactory()
        [image] = idea_attach_images(
            idea=idea,
            by=idea.author,
            files=[SimpleUploadedFile("a.png", png_bytes(), "image/png")],
            alt_texts=["A blue square"],
        )
    return image


def test_an_uploaded_image_is_served_with_safe_headers(city, stored_image):
    client = Client(HTTP_HOST=host_of(city))
    url = stored_image.image.url
    assert url.startswith("/media/ideas/")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Last-Modified" in response
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (24, 16)
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


def test_the_idea_page_links_to_the_served_image(city, stored_image):
    client = Client(HTTP_HOST=host_of(city))
    with city_context(city):
        idea = stored_image.idea
        idea_path = f"/ideas/{idea.pk}/"
    page = client.get(idea_path)
    assert page.status_code == 200
    assert f'<img src="{stored_image.image.url}"' in page.content.decode()


def test_any_storage_works_the_in_memory_one_of_the_tests_too(city, settings):
    assert settings.STORAGES["default"]["BACKEND"].endswith("InMemoryStorage")
    name = default_storage.save("city-logos/logo.png", ContentFile(png_bytes()))
    response = Client(HTTP_HOST=host_of(city)).get(f"/media/{name}")
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")


def test_a_file_that_is_not_an_image_is_a_sandboxed_download(city, local_storage):
    name = default_storage.save("notes/page.html", ContentFile(b"<script>alert(1)</script>"))
    response = Client(HTTP_HOST=host_of(city)).get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/ideas/%2e%2e/%2e%2e/secret.txt",
        "/media//etc/passwd",
        "/media/ideas//x.png",
        "/media/ideas/./x.png",
        "/media/..%5csecret.txt",
        "/media/x%00.png",
        "/media/x%0a.png",
        "/media/ideas/",
        "/media/missing.png",
        "/media/" + "a/" * 600 + "x.png",
    ],
)
def test_hostile_or_missing_paths_are_404(city, local_storage, path):
    response = Client(HTTP_HOST=host_of(city)).get(path)
    assert response.status_code == 404
    assert b"outside the storage" not in response.content


def test_nothing_is_served_when_the_platform_does_not_serve_media(city, stored_image, settings):
    settings.SERVE_MEDIA = False
    assert Client(HTTP_HOST=host_of(city)).get(stored_image.image.url).status_code == 404


def test_an_unknown_host_gets_no_media(stored_image):
    assert Client(HTTP_HOST="nowhere.example").get(stored_image.image.url).status_code == 404
