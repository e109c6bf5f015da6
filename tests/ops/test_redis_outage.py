"""Redis stopped: sign-in, sign-up and the API keep working, and every limiter
(the guess budget, allauth's rate limits, REST framework's throttles) falls
back to this process's memory with a warning — never a 500, never unlimited
guessing (issue 21 §7). The tests stop and start a private ``redis-server``
(``tests.faults``) that the default cache points at.
"""

from __future__ import annotations

import copy
import json
import logging
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache, caches
from django.test import Client, TestCase, override_settings
from rest_framework.throttling import SimpleRateThrottle

from civicideas.ops import cache as resilient
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from civicideas.web import page_cache
from tests.api.conftest import ApiClient
from tests.conftest import host_of, make_member
from tests.factories import PASSWORD
from tests.faults import PrivateRedis, wait_until
from tests.ideas.factories import ChallengeFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

WRONG = "wrong-password-1"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(scope="module")
def server() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(server, settings, monkeypatch) -> Iterator[PrivateRedis]:
    """The default cache (ResilientRedisCache) on the private Redis, running."""
    if server.process is None:
        server.start()
    redis.Redis.from_url(server.url).flushall()
    caches = copy.deepcopy(settings.CACHES)
    caches["default"].update(LOCATION=server.url, KEY_PREFIX="outage")
    settings.CACHES = caches
    settings.REDIS_URL = server.url
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0.5)
    resilient.forget_outages()
    page_cache.reset_backoff()
    cache.clear()
    with override_settings(LOGIN_FAILURE_LIMIT=4, LOGIN_FAILURE_LIMIT_PER_IP=50):
        yield server
    resilient.forget_outages()
    page_cache.reset_backoff()


@pytest.fixture
def ada(city):
    return make_member(city, Role.CITIZEN, email="ada@example.org")


def form_login(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_works_and_guesses_stay_limited_without_redis(city, ada, redis_cache, caplog):
    redis_cache.stop()
    caplog.set_level(logging.WARNING, logger="civicideas.ops.cache")
    started = time.monotonic()

    browser = Client(HTTP_HOST=host_of(city))
    assert form_login(browser, ada.email).status_code == 302
    assert browser.session[SESSION_KEY] == str(ada.pk)
    assert browser.get("/accounts/email/").status_code == 200

    # The budget still holds, across the form and the API, in this process.
    guesser = Client(HTTP_HOST=host_of(city))
    for _ in range(2):
        assert form_login(guesser, ada.email, WRONG).status_code == 200
    for _ in range(2):
        refused = ApiClient(city).post_json(TOKEN_URL, {"email": ada.email, "password": WRONG})
        assert refused.status_code == 400
    assert form_login(guesser, ada.email).status_code == 429
    locked = ApiClient(city).post_json(TOKEN_URL, {"email": ada.email, "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["code"] == "throttled"
    assert "Retry-After" in locked

    # allauth's own rate limits (sign-up here) run on the fallback too.
    signup = Client(HTTP_HOST=host_of(city)).post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_privacy": "on",
        },
    )
    assert signup.status_code == 302

    assert time.monotonic() - started < 15, "requests waited on the dead Redis"
    # One warning per outage and process, not one per request.
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert [r.levelno for r in warnings] == [logging.WARNING]

    # Liveness: degraded, not down.
    health = Client().get("/healthz", HTTP_HOST="10.0.0.7")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded: redis"


def test_the_api_keeps_answering_and_throttling_without_redis(city, ada, redis_cache, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": None, "token": None}
    )
    with city_context(city):
        challenge = ChallengeFactory(slug="green")
    redis_cache.stop()

    anonymous = ApiClient(city)
    for _ in range(3):
        response = anonymous.get("/api/v1/challenges/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
    throttled = anonymous.get("/api/v1/challenges/")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"

    issued = ApiClient(city, REMOTE_ADDR="10.2.2.2").post_json(
        TOKEN_URL, {"email": ada.email, "password": PASSWORD}
    )
    assert issued.status_code == 201, issued.content
    author = ApiClient(city, issued.json()["token"])
    key = str(uuid.uuid4())
    payload = {"challenge": challenge.pk, "title": "Benches", "body": "By the river."}
    # Committed, as a real request is (the answer is remembered at commit).
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = author.post_json("/api/v1/ideas/", payload, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    # Idempotency keys are remembered in this process meanwhile.
    again = author.post_json("/api/v1/ideas/", payload, HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert json.loads(again.content)["id"] == json.loads(first.content)["id"]


def test_pages_render_and_skip_the_page_cache_without_redis(city, redis_cache, settings):
    settings.PAGE_CACHE_SECONDS = 60
    with city_context(city):
        ChallengeFactory(slug="green")
    redis_cache.stop()
    visitor = Client(HTTP_HOST=host_of(city))
    for _ in range(3):
        response = visitor.get("/challenges/green/")
        assert response.status_code == 200
        assert response[page_cache.STATUS_HEADER] in {"bypass", "miss"}
    # Pages are not kept in process memory (another process may invalidate them).
    assert not [key for key in caches["default"].memory._cache if "pc:page" in key]


def test_limits_return_to_redis_when_it_answers_again(city, ada, redis_cache, caplog):
    redis_cache.stop()
    ApiClient(city).post_json(TOKEN_URL, {"email": ada.email, "password": WRONG})
    redis_cache.start()
    client = redis.Redis.from_url(redis_cache.url)
    caplog.set_level(logging.INFO, logger="civicideas.ops.cache")

    def counted_in_redis() -> bool:
        ApiClient(city).post_json(TOKEN_URL, {"email": "other@example.org", "password": WRONG})
        return bool(client.keys("outage:*guesses:account:*"))

    assert wait_until(counted_in_redis, seconds=5, step=0.3)
    assert any("answers again" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_queuing_background_work_without_the_broker_is_no_500(city, redis_cache):
    """The sponsors' "recompute all matches" admin action queues a task after
    the commit; with the broker down that raised out of the request (500)."""
    from civicideas.celery import app
    from sponsors.models import Sponsor
    from tests.conftest import client_for
    from tests.sponsors.factories import SponsorFactory

    staff = make_member(city, Role.CITY_ADMIN)
    with city_context(city):
        sponsor = SponsorFactory()
    previous = app.conf.broker_url
    app.conf.broker_url = redis_cache.url
    app._pool = None
    app.amqp._producer_pool = None
    redis_cache.stop()
    try:
        response = client_for(staff, city).post(
            "/admin/sponsors/sponsor/",
            {"action": "recompute_all_matches", "_selected_action": [sponsor.pk]},
        )
    finally:
        app.conf.broker_url = previous
        app._pool = None
        app.amqp._producer_pool = None
    assert response.status_code == 302
    with city_context(city):
        assert Sponsor.objects.filter(pk=sponsor.pk).exists()
