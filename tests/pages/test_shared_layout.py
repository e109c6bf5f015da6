"""The base layout's header and footer are rendered once per kind of
visitor and shared (``civicideas.pages.layout``): what is per person or per
page (the CSRF token, the nonce, the path, ``aria-current``, the staff
link) must still be exact for each request."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from civicideas.tenancy.context import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.models import Membership
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, host_of, make_member
from tests.notifications.conftest import add_notification

pytestmark = pytest.mark.django_db

BACK_OFFICE = 'href="/admin/"'


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _header(html: str) -> str:
    return html[html.index("<body") : html.index("</header>")]


def _sign_out_token(html: str) -> str:
    form = html[html.index('action="/accounts/logout/"') :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_staff_link_only_for_staff_whoever_came_first(city):
    citizen = client_for(make_member(city, Role.CITIZEN), city)
    admin = client_for(make_member(city, Role.CITY_ADMIN), city)
    anonymous = Client(HTTP_HOST=host_of(city))
    for _ in range(2):  # the second round is served from the kept header
        assert BACK_OFFICE in _header(_html(admin.get("/accessibility/")))
        assert BACK_OFFICE not in _header(_html(citizen.get("/accessibility/")))
        anonymous_header = _header(_html(anonymous.get("/accessibility/")))
        assert BACK_OFFICE not in anonymous_header
        assert "Sign out" not in anonymous_header and "Sign in" in anonymous_header


def test_role_change_shows_at_the_next_request(city):
    person = make_member(city, Role.CITIZEN)
    client = client_for(person, city)
    assert BACK_OFFICE not in _header(_html(client.get("/accessibility/")))
    with city_context(city):
        Membership.objects.filter(user=person).update(roles=[str(Role.MODERATOR)])
    assert BACK_OFFICE in _header(_html(client.get("/accessibility/")))
    with city_context(city):
        Membership.objects.filter(user=person).update(roles=[str(Role.CITIZEN)])
    assert BACK_OFFICE not in _header(_html(client.get("/accessibility/")))


def test_sign_out_token_is_each_persons_own_and_works(city):
    ana = Client(HTTP_HOST=host_of(city), enforce_csrf_checks=True)
    ana.force_login(make_member(city, email="ana@example.org"))
    bob = Client(HTTP_HOST=host_of(city), enforce_csrf_checks=True)
    bob.force_login(make_member(city, email="bob@example.org"))
    ana_token = _sign_out_token(_html(ana.get("/accessibility/")))
    bob_token = _sign_out_token(_html(bob.get("/accessibility/")))
    assert _unmask_cipher_token(ana_token) == ana.cookies["csrftoken"].value
    assert _unmask_cipher_token(bob_token) == bob.cookies["csrftoken"].value
    assert ana.cookies["csrftoken"].value != bob.cookies["csrftoken"].value
    response = ana.post("/accounts/logout/", {"csrfmiddlewaretoken": ana_token})
    assert response.status_code == 302
    assert "Sign in" in _header(_html(ana.get("/accessibility/")))
    assert "Sign out" in _header(_html(bob.get("/accessibility/")))


def test_bell_nonce_is_the_responses_own(city):
    client = client_for(make_member(city), city)
    for _ in range(2):
        response = client.get("/accessibility/")
        nonce = re.search(r'bell\.js" nonce="([^"]+)"', _html(response)).group(1)
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_shared_header_shows_no_ones_unread_count(city):
    ana = make_member(city, email="ana@example.org")
    for _ in range(3):
        add_notification(city, ana)
    bob = make_member(city, email="bob@example.org")
    for client in (client_for(ana, city), client_for(bob, city), client_for(ana, city)):
        header = _header(_html(client.get("/accessibility/")))
        assert "notification-count" not in header and "unread" not in header
    bell = client_for(ana, city).get("/notifications/bell/", HTTP_HX_REQUEST="true")
    assert ">3<" in bell.content.decode()
    bobs = client_for(bob, city).get("/notifications/bell/", HTTP_HX_REQUEST="true")
    assert ">3<" not in bobs.content.decode()


@pytest.mark.parametrize(
    ("path", "link", "value"),
    [
        ("/challenges/", "/challenges/", "page"),
        ("/me/profile/", "/me/profile/", "page"),
        ("/me/", "/me/", "page"),
        ("/notifications/", "/notifications/", "page"),
    ],
)
def test_aria_current_follows_the_page(city, path, link, value):
    client = client_for(make_member(city), city)
    client.get("/accessibility/")  # the header kept, with no current link
    header = _header(_html(client.get(path)))
    assert header.count("aria-current=") == 1
    assert f'href="{link}" aria-current="{value}"' in header
    again = _header(_html(client.get("/accessibility/")))
    assert "aria-current" not in again


def test_language_switcher_returns_to_this_page_escaped(other_city):
    client = client_for(make_member(other_city), other_city)
    html = _html(client.get('/accessibility/?q="><b>x'))
    assert 'name="next" value="/accessibility/?q=%22%3E%3Cb%3Ex"' in html
    html = _html(client.get("/challenges/"))
    assert 'name="next" value="/challenges/"' in html
    anonymous = _html(Client(HTTP_HOST=host_of(other_city)).get("/accessibility/?a=1"))
    assert 'name="next" value="/accessibility/?a=1"' in anonymous


def test_a_changed_city_is_a_new_header(city):
    client = client_for(make_member(city), city)
    assert "Riverton" in _header(_html(client.get("/accessibility/")))
    type(city).objects.filter(pk=city.pk).update(name="Riverton-on-Sea")
    forget_hosts()
    assert "Riverton-on-Sea" in _header(_html(client.get("/accessibility/")))


def test_anonymous_pages_still_go_into_the_page_cache(city):
    client_for(make_member(city), city).get("/")  # a signed-in view first
    anonymous = Client(HTTP_HOST=host_of(city))
    first = anonymous.get("/")
    second = anonymous.get("/")
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    assert "csrftoken" not in first.cookies
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_shared_part_sees_only_the_layouts_values():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load civic_layout %}{% shared_layout "t" %}[{{ secret }}|{{ user.email }}]'
        "{% endshared_layout %}"
    )
    html = template.render({"secret": "s3cret", "user": type("U", (), {"email": "a@b.c"})()})
    assert html == "[|]"


def test_shared_part_may_hold_no_block():
    from django.template import TemplateSyntaxError, engines

    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string(
            '{% load civic_layout %}{% shared_layout "t" %}{% block x %}{% endblock %}'
            "{% endshared_layout %}"
        )


def test_no_token_to_give_leaves_no_token_field(city):
    from django.template.loader import render_to_string

    from civicideas.tenancy.languages import offered_languages

    person = make_member(city)
    context = {
        "city": city,
        "user": person,
        "csrf_token": "NOTPROVIDED",
        "offered_languages": offered_languages(city),
    }
    with city_context(city):
        html = render_to_string("pages/accessibility.html", context)
    assert "Sign out" in html and "csrfmiddlewaretoken" not in html
    assert "\x00" not in html


def test_logo_url_is_each_requests_own(db):
    from django.core.files.base import ContentFile

    from tests.factories import CityFactory

    logo_city = CityFactory(slug="logoville", name="Logoville")
    logo_city.logo.save("logo.png", ContentFile(b"\x89PNG\r\n"), save=True)
    client = Client(HTTP_HOST=host_of(logo_city))
    first = re.search(r'<img src="([^"]+)"', _html(client.get("/accessibility/"))).group(1)
    logo_city.logo.save("other.png", ContentFile(b"\x89PNG\r\n"), save=True)
    forget_hosts()
    second = re.search(r'<img src="([^"]+)"', _html(client.get("/accessibility/"))).group(1)
    assert "city-logos/logo" in first and "city-logos/other" in second
