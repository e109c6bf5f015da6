"""Uploaded images load in a real browser (issue 12, "Uploaded images are
never served"): an idea's image, re-encoded by the upload path, and the
city's logo, from local files as in ``make run``, under the site's strict
Content Security Policy."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from ideas.services import idea_attach_images
from tests.factories import CityFactory
from tests.ideas.factories import ChallengeFactory, IdeaFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"


def image_bytes(fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 140, 90)).save(out, format=fmt)
    return out.getvalue()


def test_an_ideas_image_and_the_city_logo_load(
    transactional_db, live_server, settings, tmp_path, page: Page, site_url
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.SERVE_MEDIA = True
    city = CityFactory(slug="riverton", name="Riverton", domain=HOST)
    city.logo.save("logo.png", ContentFile(image_bytes("PNG", (80, 80))))
    with city_context(city):
        idea = IdeaFactory(title="A pond in the park")
        idea_attach_images(
            idea=idea,
            by=idea.author,
            # A JPEG from a phone: re-encoded by Pillow before it is stored.
            files=[SimpleUploadedFile("IMG_0001.JPG", image_bytes("JPEG", (320, 200)))],
            alt_texts=["A sketch of the pond"],
        )

    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: failed.append(r.url) if "/media/" in r.url and not r.ok else None)
    page.goto(site_url(HOST, f"/ideas/{idea.pk}/"))

    image = page.get_by_role("img", name="A sketch of the pond")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()  # it is loading="lazy"
    page.wait_for_function(
        "() => [...document.images].every((img) => img.complete)", timeout=15_000
    )
    assert image.evaluate("img => img.naturalWidth") == 320
    widths = page.eval_on_selector_all(
        "img", "imgs => imgs.map((img) => [img.src, img.naturalWidth])"
    )
    assert len(widths) >= 2  # the logo in the header, the idea's image
    broken = [src for src, width in widths if width == 0]
    assert not broken, f"images that did not load: {broken}"
    assert not failed, f"media requests that failed: {failed}"


def test_a_challenges_image_loads_on_its_card_and_page(
    transactional_db, live_server, settings, tmp_path, page: Page, site_url
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.SERVE_MEDIA = True
    city = CityFactory(slug="riverton", name="Riverton", domain=HOST)
    with city_context(city):
        challenge = ChallengeFactory(title="Safer crossings", image_alt="Children crossing")
        challenge.image.save("c.png", ContentFile(image_bytes("PNG", (320, 180))))

    page.goto(site_url(HOST, "/challenges/"))
    card = page.locator(".challenge-list img.card-thumb").first
    card.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    assert card.evaluate("img => img.naturalWidth") == 320
    page.goto(site_url(HOST, f"/challenges/{challenge.slug}/"))
    image = page.get_by_role("img", name="Children crossing")
    expect(image).to_be_visible()
    page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    assert image.evaluate("img => img.naturalWidth") == 320
