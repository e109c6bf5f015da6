"""One guess budget per account and per client IP, shared by every way in:
the sign-in form, the admin's sign-in (the same form, through
``secure_admin_login``) and ``POST /api/v1/auth/token/`` (issue 21 §3)."""

from __future__ import annotations

import threading
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, RequestFactory, override_settings

from civicideas.accounts import guesses
from civicideas.tenancy.roles import Role
from tests.api.conftest import ApiClient
from tests.conftest import host_of, make_member
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("small_budget"),
]

TOKEN_URL = "/api/v1/auth/token/"
WRONG = "wrong-password-1"
NEW_PASSWORD = "another-long-passphrase-42"


@pytest.fixture
def small_budget():
    with override_settings(LOGIN_FAILURE_LIMIT=4, LOGIN_FAILURE_LIMIT_PER_IP=10):
        yield


def form_login(city, email, password=PASSWORD, client=None, **extra):
    client = client or Client(HTTP_HOST=host_of(city))
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def api_login(city, email, password=PASSWORD, **extra):
    return ApiClient(city).post_json(TOKEN_URL, {"email": email, "password": password}, **extra)


def assert_locked_page(response):
    assert response.status_code == 429, response.status_code
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed login attempts" in response.content.decode()


def assert_locked_json(response):
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert response.json()["code"] == "throttled"
    assert "Too many failed login attempts" in response.json()["detail"]


@pytest.fixture
def ada(city):
    return make_member(city, Role.CITIZEN, email="ada@example.org")


def test_form_and_api_failures_fill_one_budget(city, ada):
    for _ in range(2):
        assert form_login(city, ada.email, WRONG).status_code == 200
    for _ in range(2):
        assert api_login(city, ada.email, WRONG).status_code == 400
    # Four failures in all: neither way in accepts even the right password.
    assert_locked_json(api_login(city, ada.email))
    locked = form_login(city, ada.email)
    assert_locked_page(locked)


def test_an_account_locked_by_the_form_gets_no_api_token(city, ada):
    for _ in range(4):
        form_login(city, ada.email, WRONG)
    response = api_login(city, ada.email)
    assert_locked_json(response)
    assert "token" not in response.json()


def test_an_account_locked_through_the_api_cannot_sign_in_with_the_form(city, ada):
    for _ in range(4):
        api_login(city, ada.email, WRONG)
    client = Client(HTTP_HOST=host_of(city))
    assert_locked_page(form_login(city, ada.email, client=client))
    assert SESSION_KEY not in client.session


def test_the_admin_sign_in_is_the_same_form_and_the_same_budget(city):
    moderator = make_member(city, Role.MODERATOR, email="mod@example.org")
    client = Client(HTTP_HOST=host_of(city))
    redirect = client.get("/admin/login/?next=/admin/")
    assert redirect.status_code == 302
    login_path = urlsplit(redirect["Location"]).path
    assert login_path == "/accounts/login/"
    for _ in range(3):
        api_login(city, moderator.email, WRONG)
    client.post(redirect["Location"], {"login": moderator.email, "password": WRONG})
    assert_locked_page(
        client.post(redirect["Location"], {"login": moderator.email, "password": PASSWORD})
    )
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_the_budget_is_per_account_on_every_host(city, other_city, ada):
    for _ in range(4):
        form_login(city, ada.email, WRONG)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert_locked_json(api_login(other_city, ada.email, **english))
    assert_locked_page(form_login(other_city, ada.email.upper(), **english))


def test_one_ip_spreading_guesses_over_addresses_is_stopped_on_both_ways(city, ada):
    for n in range(5):
        form_login(city, f"p{n}@example.org", WRONG)
        api_login(city, f"q{n}@example.org", WRONG)
    # Ten failures from 127.0.0.1: that IP is done, for any address ...
    assert_locked_json(api_login(city, ada.email))
    assert_locked_page(form_login(city, ada.email))
    # ... and another IP is not.
    assert api_login(city, ada.email, REMOTE_ADDR="10.9.8.7").status_code == 201


def test_forged_forwarded_for_does_not_give_a_fresh_ip(city, ada):
    for n in range(10):
        form_login(city, f"p{n}@example.org", WRONG, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    assert_locked_json(api_login(city, ada.email, HTTP_X_FORWARDED_FOR="9.9.9.9"))


def test_a_right_password_clears_the_accounts_failures_but_not_the_ips(city, ada):
    for _ in range(3):
        form_login(city, ada.email, WRONG)
    assert api_login(city, ada.email).status_code == 201
    for _ in range(3):
        assert form_login(city, ada.email, WRONG).status_code == 200
    assert form_login(city, ada.email).status_code == 302
    # The IP kept its six failures: four more addresses and it is locked.
    for n in range(4):
        api_login(city, f"p{n}@example.org", WRONG)
    assert_locked_json(api_login(city, "p9@example.org", WRONG))


def test_a_password_reset_unlocks_the_account(city, ada):
    for _ in range(4):
        api_login(city, ada.email, WRONG, REMOTE_ADDR="10.0.0.1")
    browser = Client(HTTP_HOST=host_of(city))
    browser.post("/accounts/password/reset/", {"email": ada.email})
    (message,) = mail.outbox
    link = next(word for word in message.body.split() if "/password/reset/key/" in word)
    form = browser.get(urlsplit(link).path, follow=True).redirect_chain[-1][0]
    response = browser.post(form, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert api_login(city, ada.email, NEW_PASSWORD).status_code == 201


@pytest.mark.parametrize(
    "login",
    ["a\x00b@example.org", "é" * 300 + "@example.org", "١٢٣@example.org", "", " ", "\ud800@x.org"],
)
def test_hostile_logins_never_make_a_500(city, login):
    body = urlencode({"login": login, "password": WRONG}, errors="surrogatepass")
    form = Client(HTTP_HOST=host_of(city)).post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    api = ApiClient(city).post(
        TOKEN_URL,
        f'{{"email": "{login.encode("unicode_escape").decode()}", "password": "x"}}',
        content_type="application/json",
    )
    assert form.status_code < 500
    assert api.status_code < 500


def _race(logins: list[str]) -> tuple[int, list[int]]:
    """Take a guess for each login at once from one IP; (taken, retry-afters)."""
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.1.1")
    barrier = threading.Barrier(len(logins))
    taken: list[guesses.Guess] = []
    refused: list[int] = []

    def attempt(login: str) -> None:
        barrier.wait()
        try:
            taken.append(guesses.guess_take(request=request, login=login))
        except guesses.TooManyGuesses as locked:
            refused.append(locked.retry_after)

    threads = [threading.Thread(target=attempt, args=(login,)) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(taken), refused


def test_concurrent_guesses_at_one_account_take_exactly_its_budget(db):
    """Twenty simultaneous guesses at one account: exactly the budget gets
    through to the password check (real Redis, atomic INCR), no more and —
    refused attempts giving back what they took — no fewer."""
    taken, refused = _race(["target@example.org"] * 20)
    assert taken == 4
    assert len(refused) == 16 and all(0 < wait <= 15 * 60 for wait in refused)


def test_concurrent_guesses_from_one_ip_take_exactly_its_budget(db):
    taken, refused = _race([f"p{n}@example.org" for n in range(20)])
    assert taken == 10
    assert len(refused) == 10
