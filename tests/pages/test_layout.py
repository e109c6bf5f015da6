"""The shared layout: landmarks, skip link, language attribute, branding,
footer, messages, and the error pages that render inside it."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied

from civicideas.tenancy.hosts import forget_hosts
from civicideas.web.branding import brand_palette, palette_version
from tests.conftest import host_of
from tests.factories import PASSWORD, CityFactory

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def test_city_home_has_landmarks_skip_link_and_language(city_client, city):
    response = city_client.get("/")
    html = _html(response)
    assert response.status_code == 200
    assert re.search(r'<html lang="en" dir="ltr">', html)
    # The skip link is the first focusable thing and targets main.
    body = html[html.index("<body") :]
    assert body.index('class="skip-link" href="#main"') < body.index("<header")
    assert '<main id="main" tabindex="-1">' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert f"<title>{city.name}</title>" in html
    assert "Ideas for Riverton" in html


def test_footer_has_city_contact_and_accessibility_link(city_client, city):
    html = _html(city_client.get("/"))
    footer = html[html.index("<footer") :]
    assert f'href="mailto:{city.contact_email}"' in footer
    assert 'href="/accessibility/"' in footer


def test_brand_colours_are_readable_and_served_as_a_versioned_stylesheet(db):
    yellow = CityFactory(slug="sunnyvale", colour="#FFDD00")
    client = Client(HTTP_HOST=host_of(yellow))
    response = client.get("/")
    html = _html(response)
    palette = brand_palette("#FFDD00")
    # Light brand colour: dark text on it, and links darkened, not yellow on white.
    assert palette.on_accent == "#000000"
    assert palette.text != "#ffdd00"
    # No inline style (it would need a per-response nonce): a linked stylesheet.
    assert "<style" not in html
    href = re.search(r'<link rel="stylesheet" href="(/brand\.css\?v=[0-9a-f]{12})">', html).group(1)
    assert href == f"/brand.css?v={palette_version(palette)}"
    css = client.get(href)
    assert css.status_code == 200
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert f"--brand: #ffdd00; --on-brand: #000000; --brand-text: {palette.text};" in _html(css)
    assert css["Cache-Control"] == "public, max-age=31536000, immutable"


def test_brand_stylesheet_url_changes_with_the_colour_and_a_stale_one_is_briefly_cached(db):
    city = CityFactory(slug="recolour", colour="#1d4e89")
    client = Client(HTTP_HOST=host_of(city))
    old_href = re.search(r'href="(/brand\.css\?v=[^"]+)"', _html(client.get("/"))).group(1)
    city.colour = "#aa0000"
    city.save()
    forget_hosts()  # as the admin does on saving a city
    stale = client.get(old_href)
    assert "--brand: #aa0000;" in _html(stale)
    assert stale["Cache-Control"] == "public, max-age=60"
    assert palette_version(brand_palette("#aa0000")) not in old_href


def test_brand_stylesheet_of_another_city_is_its_own(city, other_city):
    riverton = _html(Client(HTTP_HOST=host_of(city)).get("/brand.css"))
    assert f"--brand: {brand_palette(city.colour).accent};" in riverton
    other_city.colour = "#00aa00"
    other_city.save()
    lakeside = _html(Client(HTTP_HOST=host_of(other_city)).get("/brand.css"))
    assert "--brand: #00aa00;" in lakeside


def test_city_logo_is_shown_with_the_name(db):
    from django.core.files.base import ContentFile

    logo_city = CityFactory(slug="logoville", name="Logoville")
    logo_city.logo.save("logo.png", ContentFile(b"\x89PNG\r\n"), save=True)
    html = _html(Client(HTTP_HOST=host_of(logo_city)).get("/"))
    header = html[html.index("<header") : html.index("</header>")]
    assert re.search(r'<img src="[^"]*city-logos/logo[^"]*\.png" alt=""', header)
    assert "Logoville" in header


def test_language_switcher_lists_only_the_citys_languages(other_city):
    html = _html(Client(HTTP_HOST=host_of(other_city)).get("/"))
    switcher = html[html.index('class="language-switcher"') :]
    switcher = switcher[: switcher.index("</form>")]
    assert '<label for="language-select">' in switcher
    assert re.findall(r'<option value="(\w+)"', switcher) == ["fr", "en"]
    # A GET form without a CSRF token, so the page can be cached for everyone.
    assert '<form class="language-switcher" method="get" action="/language/">' in html
    assert "csrfmiddlewaretoken" not in switcher


def test_single_language_city_has_no_switcher(db):
    monolingual = CityFactory(slug="onelang", languages=["nl"], default_language="nl")
    html = _html(Client(HTTP_HOST=host_of(monolingual)).get("/"))
    assert 'class="language-switcher"' not in html
    assert '<html lang="nl"' in html


def test_messages_are_announced_with_role_status(city, member_factory):
    user = member_factory(city, email="reader@example.org")
    client = Client(HTTP_HOST=host_of(city))
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}, follow=True
    )
    html = _html(response)
    assert response.status_code == 200
    status = re.search(r'<div class="messages" role="status">(.*?)</div>', html, re.S)
    assert status is not None
    assert "reader@example.org" in status.group(1)


def test_platform_home_lists_active_cities_only(city, other_city):
    CityFactory(slug="ghosttown", name="Ghost Town", is_active=False)
    response = Client(HTTP_HOST="localhost").get("/")
    html = _html(response)
    assert response.status_code == 200
    assert 'href="http://riverton.localhost/"' in html
    assert 'href="http://lakeside.localhost/"' in html
    assert "Ghost Town" not in html
    assert "<title>civicideas</title>" in html


def test_platform_switcher_offers_every_platform_language(db):
    html = _html(Client(HTTP_HOST="localhost").get("/"))
    assert re.findall(r'<option value="(\w+)"', html) == ["en", "fr", "nl"]


def test_accessibility_statement_names_the_standard_and_the_contact(city_client, city):
    response = city_client.get("/accessibility/")
    html = _html(response)
    assert response.status_code == 200
    assert "<h1>Accessibility statement</h1>" in html
    assert "WCAG" in html
    main = html[html.index("<main") : html.index("</main>")]
    assert f"mailto:{city.contact_email}" in main


def test_404_renders_in_the_layout_with_the_city(city_client, city):
    response = city_client.get("/no-such-page/")
    html = _html(response)
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html
    assert '<main id="main"' in html
    assert city.contact_email in html


def test_404_is_translated_on_a_french_city(other_city):
    response = Client(HTTP_HOST=host_of(other_city)).get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="fr"' in _html(response)
    assert "<h1>Page introuvable</h1>" in _html(response)


def test_403_renders_in_the_layout(city):
    request = RequestFactory(HTTP_HOST=host_of(city)).get("/secret/")
    request.city, request.is_platform = city, False
    response = permission_denied(request, PermissionDenied())
    html = _html(response)
    assert response.status_code == 403
    assert "<h1>Access refused</h1>" in html
    assert '<main id="main"' in html


def test_csrf_failure_renders_in_the_layout(city):
    client = Client(HTTP_HOST=host_of(city), enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "fr"})
    html = _html(response)
    assert response.status_code == 403
    assert "<h1>The form has expired</h1>" in html
    assert "<footer" in html


def test_400_for_a_malformed_host_renders_in_the_layout(db):
    response = Client(HTTP_HOST="riverton.localhost:notaport").get("/")
    html = _html(response)
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in html
    assert '<main id="main"' in html


def test_unknown_host_page_renders_in_the_layout_and_links_to_the_platform(db):
    response = Client(HTTP_HOST="nowhere.localhost:8000").get("/")
    html = _html(response)
    assert response.status_code == 404
    assert '<main id="main"' in html
    assert "nowhere.localhost" in html
    assert 'href="http://localhost:8000/"' in html
    assert 'href="http://localhost:8000/accessibility/"' in html
    # No links that would only lead to more 404s on an unknown host.
    assert 'class="language-switcher"' not in html
    assert "/accounts/login/" not in html


def test_unknown_host_page_follows_accept_language(db):
    response = Client(HTTP_HOST="nowhere.localhost", HTTP_ACCEPT_LANGUAGE="nl").get("/")
    assert '<html lang="nl"' in _html(response)


def test_500_page_is_static_and_multilingual():
    html = render_to_string("500.html")
    assert "{%" not in html
    assert "base.html" not in html and "<link" not in html
    assert '<html lang="en">' in html
    assert '<div lang="fr">' in html and '<div lang="nl">' in html


def test_allauth_pages_use_the_layout(city_client, city):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        response = city_client.get(path)
        html = _html(response)
        assert response.status_code == 200, path
        assert 'class="skip-link"' in html, path
        assert re.search(r"<title>[^<]+ · Riverton</title>", html), path
        # Every visible input of the form has a label.
        for input_id in re.findall(r'<input [^>]*id="(id_[^"]+)"', html):
            assert f'for="{input_id}"' in html, (path, input_id)


def test_messages_partial_renders_alone_for_htmx_responses(rf):
    from django.contrib.messages.storage.base import Message

    html = render_to_string(
        "base.html#messages", {"messages": [Message(25, "Saved.", extra_tags="")]}
    )
    assert '<div class="messages" role="status">' in html
    assert "Saved." in html
    assert "<main" not in html


@pytest.mark.parametrize("host", ["riverton.localhost", "localhost", "nowhere.example"])
def test_footer_links_to_the_source_code_everywhere(city, settings, host):
    """AGPL-3.0 section 13: every page offers the source to its users."""
    settings.SOURCE_CODE_URL = "https://code.example/city/civicideas"
    html = _html(Client(HTTP_HOST=host).get("/"))
    footer = html[html.index("<footer") : html.index("</footer>")]
    assert '<a href="https://code.example/city/civicideas">Source code</a>' in footer


def test_source_code_link_is_escaped(city_client, settings):
    settings.SOURCE_CODE_URL = 'https://x.example/"><script>alert(1)</script>'
    html = _html(city_client.get("/"))
    assert "<script>alert(1)</script>" not in html
