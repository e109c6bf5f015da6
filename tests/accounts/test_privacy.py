"""A city's privacy notice, its acceptance at sign-up and again after the
city raises its version (issue 13, docs/privacy.md "Consent")."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from civicideas.accounts import privacy
from civicideas.accounts.models import Consent
from civicideas.tenancy import city_context
from civicideas.tenancy.hosts import forget_hosts
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from tests.api.conftest import ApiClient, token_for
from tests.conftest import client_for, host_of, make_member
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ACCEPT = "/privacy/accept/"


def raise_version(city: City, to: int = 2) -> City:
    City.objects.filter(pk=city.pk).update(privacy_version=to)
    city.refresh_from_db()
    return city


def consents(city: City, user=None) -> list[int]:
    with city_context(city):
        rows = Consent.objects.all() if user is None else Consent.objects.filter(user=user)
        return sorted(rows.values_list("version", flat=True))


# --- the notice page ------------------------------------------------------------


def test_default_notice_is_shown_and_linked_from_the_footer(city, city_client):
    response = city_client.get("/privacy/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Privacy notice</h1>" in html
    assert "Riverton runs this participation website" in html
    assert "Notifications are deleted after 365 days." in html
    assert f"mailto:{city.contact_email}" in html
    footer = html[html.index("<footer") :]
    assert 'href="/privacy/"' in footer


def test_citys_own_notice_is_sanitised_markdown(city, city_client):
    City.objects.filter(pk=city.pk).update(
        privacy_notice="## Our rules\n\n**Kept** a year. <script>alert(1)</script>"
    )
    html = city_client.get("/privacy/").content.decode()
    assert "<h3>Our rules</h3>" in html and "<strong>Kept</strong>" in html
    assert "<script>alert" not in html
    assert "runs this participation website" not in html


def test_notice_is_translated(other_city):
    html = Client(HTTP_HOST=host_of(other_city)).get("/privacy/").content.decode()
    assert '<html lang="fr"' in html


def test_platform_host_shows_the_default_notice(db):
    response = Client(HTTP_HOST="localhost").get("/privacy/")
    assert response.status_code == 200
    assert "this participation platform keeps" in response.content.decode()


def test_notice_page_refuses_post(city_client):
    assert city_client.post("/privacy/").status_code == 405


# --- sign-up -------------------------------------------------------------------------


def sign_up(client: Client, email: str, **extra):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post("/accounts/signup/", data)


def test_signup_shows_the_notice_and_records_the_accepted_version(city, city_client):
    raise_version(city, 3)
    page = city_client.get("/accounts/signup/").content.decode()
    assert "Privacy notice" in page and "Riverton runs this participation website" in page
    assert 'name="accept_privacy"' in page and 'href="/privacy/"' in page
    assert sign_up(city_client, "new@example.org", accept_privacy="on").status_code == 302
    user = get_user_model().objects.get(email="new@example.org")
    assert consents(city, user) == [3]


@pytest.mark.parametrize("value", [None, "", "false"])
def test_signup_without_acceptance_is_a_form_error_and_no_account(city, city_client, value):
    extra = {} if value is None else {"accept_privacy": value}
    response = sign_up(city_client, "new@example.org", **extra)
    assert response.status_code == 200
    assert "Please accept the privacy notice to sign up." in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.org").exists()
    assert consents(city) == []


def test_signup_on_the_platform_host_needs_no_city_notice(db):
    response = sign_up(Client(HTTP_HOST="localhost"), "new@example.org")
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="new@example.org").exists()


# --- a new version --------------------------------------------------------------------


@pytest.fixture
def citizen(city):
    return make_member(city, Role.CITIZEN)


def test_baseline_version_asks_nothing(city, citizen):
    client = client_for(citizen, city)
    assert client.get("/").status_code == 200


def test_new_version_sends_a_signed_in_person_to_accept_it(city, citizen):
    raise_version(city)
    client = client_for(citizen, city)
    response = client.get("/me/profile/?tab=1")
    assert response.status_code == 302
    assert response["Location"] == f"{ACCEPT}?next=%2Fme%2Fprofile%2F%3Ftab%3D1"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Our privacy notice has changed" in html and "version 2" in html
    assert "private" in page["Cache-Control"]

    done = client.post(ACCEPT, {"accept": "on", "version": "2", "next": "/me/profile/?tab=1"})
    assert done.status_code == 302 and done["Location"] == "/me/profile/?tab=1"
    assert consents(city, citizen) == [2]
    assert client.get("/me/profile/").status_code == 200


def test_anonymous_visitors_and_exempt_paths_are_not_stopped(city, citizen, city_client):
    raise_version(city)
    assert city_client.get("/").status_code == 200
    client = client_for(citizen, city)
    for path in (
        "/privacy/",
        "/language/?language=fr",
        "/brand.css",
        "/static/civicideas/site.css",
    ):
        assert client.get(path).status_code in {200, 302, 304}, path
        if client.get(path).status_code == 302:
            assert ACCEPT not in client.get(path)["Location"], path
    api = ApiClient(city, token_for(citizen, city))
    assert api.get("/api/v1/challenges/").status_code == 200
    logout = client.post("/accounts/logout/")
    assert logout.status_code == 302 and ACCEPT not in logout["Location"]


def test_htmx_requests_are_redirected_by_header(city, citizen):
    raise_version(city)
    response = client_for(citizen, city).get("/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(ACCEPT)


def test_acceptance_in_another_city_does_not_count(city, other_city, citizen):
    raise_version(city)
    raise_version(other_city)
    with city_context(other_city):
        Consent.objects.create(city=other_city, user=citizen, version=2)
    assert client_for(citizen, city).get("/").status_code == 302


def test_an_older_acceptance_does_not_count(city, citizen):
    raise_version(city, 3)
    with city_context(city):
        Consent.objects.create(city=city, user=citizen, version=2)
    assert client_for(citizen, city).get("/").status_code == 302


def test_accepting_needs_the_box(city, citizen):
    raise_version(city)
    client = client_for(citizen, city)
    response = client.post(ACCEPT, {"version": "2", "next": "/"})
    assert response.status_code == 400
    assert "Please accept the privacy notice to go on." in response.content.decode()
    assert consents(city) == []


@pytest.mark.parametrize("version", ["1", "3", "abc", "", "99999999999999999999", "-2", "\uff12"])
def test_a_stale_or_hostile_version_is_refused(city, citizen, version):
    raise_version(city)
    response = client_for(citizen, city).post(ACCEPT, {"accept": "on", "version": version})
    assert response.status_code in {400, 409}
    assert "privacy notice has changed" in response.content.decode()
    assert consents(city) == []


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "/privacy/accept/", "javascript:x"]
)
def test_next_stays_on_this_host(city, citizen, next_url):
    raise_version(city)
    response = client_for(citizen, city).post(
        ACCEPT, {"accept": "on", "version": "2", "next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_accepting_twice_is_one_row(city, citizen):
    raise_version(city)
    client = client_for(citizen, city)
    for _ in range(2):
        client.post(ACCEPT, {"accept": "on", "version": "2"})
    assert consents(city, citizen) == [2]


def test_accept_page_needs_a_signed_in_person_on_a_city(city, city_client, db):
    response = city_client.get(ACCEPT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client(HTTP_HOST="localhost").get(ACCEPT).status_code == 404
    assert city_client.put(ACCEPT).status_code == 405


def test_check_costs_no_query_at_the_baseline_and_one_per_session(
    city, citizen, django_assert_num_queries
):
    assert not privacy.needs_acceptance(citizen, city)  # version 1: no query
    raise_version(city)
    with city_context(city):
        Consent.objects.create(city=city, user=citizen, version=2)
    client = client_for(citizen, city)
    assert client.get("/privacy/").status_code == 200
    client.get("/")  # checks once and remembers it in the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries.captured_queries if "accounts_consent" in q["sql"]]


def test_privacy_page_query_count_is_small(city, city_client, django_assert_max_num_queries):
    """The page shows no rows: only the city's context (savepoint, RLS
    settings) and the first request's host lookup."""
    with django_assert_max_num_queries(6):
        city_client.get("/privacy/")
    with django_assert_max_num_queries(5):
        city_client.get("/privacy/")


# --- the city admin raises the version ---------------------------------------------


def test_privacy_notice_changed_dates_and_raises(city):
    privacy.privacy_notice_changed(city=city, text_changed=True, ask_again=False)
    assert city.privacy_version == 1 and city.privacy_updated_at is not None
    privacy.privacy_notice_changed(city=city, text_changed=False, ask_again=True)
    assert city.privacy_version == 2


def test_city_admin_asks_everyone_again(city, citizen):
    admin = make_member(city, Role.CITY_ADMIN)
    client = client_for(admin, city)
    url = f"/admin/tenancy/city/{city.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None and name != "logo":
            data[name] = value
    data.update(privacy_notice="New rules.", ask_privacy_again="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    forget_hosts()  # what the admin's on_commit does (tests roll back instead)
    city.refresh_from_db()
    assert city.privacy_version == 2 and city.privacy_notice == "New rules."
    assert city.privacy_updated_at is not None
    assert client_for(citizen, city).get("/").status_code == 302
