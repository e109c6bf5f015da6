"""Which city a Host header selects, including hostile headers."""

import pytest
from django.test import Client

from civicideas.tenancy import city_context
from civicideas.tenancy.models import Domain

pytestmark = pytest.mark.django_db


def get(host: str, path: str = "/", **extra):
    return Client().get(path, HTTP_HOST=host, **extra)


@pytest.fixture
def cities(city, other_city):
    return city, other_city


@pytest.mark.parametrize(
    "host",
    [
        "riverton.localhost",
        "RIVERTON.LOCALHOST",
        "Riverton.Localhost",
        "riverton.localhost.",
        "riverton.localhost:8000",
        "riverton.localhost.:8000",
    ],
)
def test_city_host_variants_select_that_city(cities, host):
    response = get(host)
    assert response.status_code == 200
    assert response.context["city"].slug == "riverton"
    assert b"Riverton" in response.content


def test_other_city_host_selects_other_city(cities):
    response = get("lakeside.localhost")
    assert response.status_code == 200
    assert response.context["city"].slug == "lakeside"


@pytest.mark.parametrize(
    "host",
    [
        "riverton.localhost.evil.example",
        "evil.example",
        "example.com",
        "127.0.0.1",
        "localhost.riverton",
        "xriverton.localhost",
    ],
)
def test_unknown_host_gets_a_404_page_never_a_default_city(cities, host):
    response = get(host)
    assert response.status_code == 404
    assert b"Riverton" not in response.content
    assert b"Lakeside" not in response.content
    assert b"not a city" in response.content


@pytest.mark.parametrize(
    "host",
    [
        "riverton.localhost, lakeside.localhost",
        "riverton.localhost lakeside.localhost",
        "riverton.localhost/evil",
        "riverton..localhost:80:80",
        "[::1",
        "riverton.localhost:abc",
    ],
)
def test_malformed_or_doubled_host_header_is_a_400(cities, host):
    response = get(host)
    assert response.status_code == 400
    assert b"Lakeside" not in response.content


def test_x_forwarded_host_of_another_city_is_ignored(cities):
    response = get("riverton.localhost", HTTP_X_FORWARDED_HOST="lakeside.localhost")
    assert response.status_code == 200
    assert response.context["city"].slug == "riverton"


def test_inactive_city_is_not_served(cities):
    riverton, _ = cities
    riverton.is_active = False
    riverton.save()
    assert get("riverton.localhost").status_code == 404


def test_alias_domain_serves_the_same_city(cities):
    riverton, _ = cities
    with city_context(riverton):
        Domain.objects.create(city=riverton, hostname="ideas.riverton.example")
    assert get("ideas.riverton.example").context["city"] == riverton


def test_platform_host_lists_active_cities_with_their_primary_domain(cities):
    response = get("localhost:8000")
    assert response.status_code == 200
    assert response.context["city"] is None
    body = response.content.decode()
    assert "http://riverton.localhost/" in body
    assert "http://lakeside.localhost/" in body


def test_page_of_a_city_host_makes_a_bounded_number_of_queries(
    cities, django_assert_max_num_queries
):
    get("riverton.localhost", "/accessibility/")  # warm the host cache
    # Session-less anonymous page: the RLS setting (read, set, restore when
    # nested in the test transaction) and nothing that grows with content.
    with django_assert_max_num_queries(5):
        assert get("riverton.localhost", "/accessibility/").status_code == 200
