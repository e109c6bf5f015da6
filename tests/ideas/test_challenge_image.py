"""A challenge's image (issue 12, "give challenges an image"): uploaded in
the challenge admin through the upload pipeline (size, sniffed type,
re-encoded), its description required, shown on cards and on the page."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import ChallengeFactory, challenge_data

pytestmark = pytest.mark.django_db

ADD = "/admin/ideas/challenge/add/"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 36)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 140, 90)).save(out, format=fmt)
    return out.getvalue()


def exif_jpeg() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", (64, 36), (1, 2, 3)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def admin_client(city):
    return client_for(make_member(city, Role.CITY_ADMIN), city)


def test_admin_uploads_an_image_reencoded_with_its_description(city, admin_client):
    upload = SimpleUploadedFile("../../etc/IMG.JPG", exif_jpeg(), content_type="text/html")
    response = admin_client.post(
        ADD, challenge_data(image=upload, image_alt="A crossing by the school")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with city_context(city):
        challenge = Challenge.objects.get(slug="safer-streets")
    assert challenge.image_alt == "A crossing by the school"
    assert challenge.image.name.startswith("challenges/")
    assert "etc" not in challenge.image.name and "IMG" not in challenge.image.name
    stored = challenge.image.read()
    assert b"SecretCam" not in stored  # re-encoded from the pixels only
    assert Image.open(io.BytesIO(stored)).size == (64, 36)


@pytest.mark.parametrize(
    "name, content, error",
    [
        ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "only png, jpeg"),
        ("x.png", b"GIF89a" + b"\0" * 5 * 1024 * 1024, "larger than 5 mb"),
        ("x.png", b"\x89PNG\r\n\x1a\n" + b"garbage", ""),
    ],
)
def test_hostile_files_are_a_form_error_and_nothing_is_saved(
    city, admin_client, name, content, error
):
    response = admin_client.post(
        ADD, challenge_data(image=SimpleUploadedFile(name, content), image_alt="Something")
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "image" in form.errors
    if error:
        assert error in str(form.errors["image"]).lower()
    with city_context(city):
        assert not Challenge.objects.exists()


@pytest.mark.parametrize("alt", ["", "   ", "\u200b\u200b"])
def test_an_image_needs_a_description(city, admin_client, alt):
    response = admin_client.post(
        ADD, challenge_data(image=SimpleUploadedFile("a.png", image_bytes()), image_alt=alt)
    )
    assert response.status_code == 200
    assert "image_alt" in response.context["adminform"].form.errors
    with city_context(city):
        assert not Challenge.objects.exists()


def test_saving_again_keeps_the_image_and_clearing_removes_it(city, admin_client):
    with city_context(city):
        challenge = ChallengeFactory(slug="safer-streets", image_alt="A crossing")
        challenge.image.save("c.png", ContentFile(image_bytes()))
    url = f"/admin/ideas/challenge/{challenge.pk}/change/"
    data = challenge_data(challenge, image_alt="A crossing")
    assert admin_client.post(url, data).status_code == 302
    with city_context(city):
        assert Challenge.objects.get(pk=challenge.pk).image
    data = challenge_data(challenge, image_alt="", **{"image-clear": "on"})
    assert admin_client.post(url, data).status_code == 302
    with city_context(city):
        assert not Challenge.objects.get(pk=challenge.pk).image


def _with_image(**kwargs) -> Challenge:
    challenge = ChallengeFactory(image_alt="Children crossing", **kwargs)
    challenge.image.save("c.png", ContentFile(image_bytes()))
    return challenge


def test_cards_and_page_show_the_image(city, client):
    with city_context(city):
        challenge = _with_image(title="Safer crossings")
    client.defaults["HTTP_HOST"] = host_of(city)
    src = challenge.image.url
    for path in ("/", "/challenges/"):
        html = client.get(path).content.decode()
        assert f'<img class="card-thumb" src="{src}" alt=""' in html, path
    html = client.get(f"/challenges/{challenge.slug}/").content.decode()
    assert f'src="{src}" alt="Children crossing"' in html


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/", "/challenges/"])
def test_cards_with_images_cost_the_same_whatever_the_rows(city, client, path):
    client.defaults["HTTP_HOST"] = host_of(city)
    with city_context(city):
        _with_image()
    _queries(client, path)
    few = _queries(client, path)
    with city_context(city):
        for _ in range(5):
            _with_image()
    assert _queries(client, path) == few


def test_the_admin_form_offers_the_image_and_its_description(admin_client):
    html = admin_client.get(ADD).content.decode()
    assert 'type="file" name="image"' in html and 'name="image_alt"' in html
    assert 'enctype="multipart/form-data"' in html
