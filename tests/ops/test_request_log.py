"""Every request gets an id (the client's when it is a sane token), one log
line with its city, user id (never the e-mail), route, status, duration and
query count, and the id comes back in ``X-Request-ID``."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test import Client

from civicideas.ops import logs as logs_module
from civicideas.ops.request_log import QueryCounter
from civicideas.tenancy.context import city_context
from tests.conftest import client_for, host_of
from tests.ops.logcapture import captured_logs

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.django_db
def test_a_sane_request_id_is_echoed(city):
    response = Client().get("/", HTTP_HOST=host_of(city), HTTP_X_REQUEST_ID="lb-7f3a.9:2-b")
    assert response["X-Request-ID"] == "lb-7f3a.9:2-b"


@pytest.mark.django_db
def test_a_request_id_is_generated_when_none_is_given(city):
    first = Client().get("/", HTTP_HOST=host_of(city))
    second = Client().get("/", HTTP_HOST=host_of(city))
    assert HEX_ID.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 129,  # too long
        "abc def",  # space
        'x"}{"level":"CRITICAL',  # forged JSON
        "id\r\nSet-Cookie: a=b",  # header injection attempt
        "<script>",
        "-leading-dash",
        "",
        "résumé",  # not ASCII
    ],
)
def test_a_hostile_request_id_is_replaced(city, hostile):
    with captured_logs("civicideas.request") as logs:
        response = Client().get("/", HTTP_HOST=host_of(city), HTTP_X_REQUEST_ID=hostile)
    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert hostile not in logs.text() or hostile == ""
    assert logs.lines()[-1]["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_the_request_line_has_every_field_and_no_email(city, member_factory):
    user = member_factory(city, email="ada.private@example.org")
    client = client_for(user, city)
    with captured_logs("civicideas.request") as logs:
        response = client.get("/?q=secret-token", HTTP_X_REQUEST_ID="req-42")
    (line,) = [entry for entry in logs.lines() if entry["logger"] == "civicideas.request"]
    assert line["request_id"] == "req-42"
    assert line["city"] == "riverton"
    assert line["user_id"] == user.pk
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == response.status_code
    assert line["level"] == "INFO"
    assert line["time"].endswith("Z")
    assert isinstance(line["duration_ms"], float)
    assert line["queries"] > 0
    assert line["route"] == "pages:home"
    raw = logs.text()
    assert "ada.private" not in raw
    assert "secret-token" not in raw  # the query string is never logged


@pytest.mark.django_db
def test_any_line_written_in_a_request_or_city_carries_the_context(city, rf):
    """What a view, a service or a library logs while serving the request
    gets the request id, and the city once the city is entered."""
    request = rf.get("/")
    token = logs_module.enter_context(logs_module.LogContext(request_id="ctx-1", request=request))
    try:
        with captured_logs("civicideas.test") as logs:
            logging.getLogger("civicideas.test").warning("before the city")
            with city_context(city):
                logging.getLogger("civicideas.test").warning("inside the city")
    finally:
        logs_module.leave_context(token)
    before, inside = logs.lines()
    assert before["request_id"] == inside["request_id"] == "ctx-1"
    assert "city" not in before
    assert inside["city"] == "riverton"


@pytest.mark.django_db
def test_anonymous_request_has_no_user_id_and_lookup_is_not_forced(city):
    with captured_logs("civicideas.request") as logs:
        Client().get("/", HTTP_HOST=host_of(city))
    assert "user_id" not in logs.lines()[-1]


@pytest.mark.django_db
def test_query_count_is_exact():
    counter = QueryCounter()
    with connection.execute_wrapper(counter), connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT 1")
    assert counter.count == 3


@pytest.mark.django_db
def test_the_logged_query_count_matches_the_queries_run(city):
    # Warm what a first request caches (host lookup), then compare.
    Client().get("/healthz", HTTP_HOST="localhost")
    with captured_logs("civicideas.request") as logs:
        Client().get("/healthz", HTTP_HOST="localhost")
    # /healthz runs exactly one query: SELECT 1.
    assert logs.lines()[-1]["queries"] == 1
    assert logs.lines()[-1]["level"] == "DEBUG"  # probes are quiet


@pytest.mark.django_db
def test_unknown_host_and_platform_host_are_logged_with_a_bounded_route(city):
    with captured_logs("civicideas.request") as logs:
        unknown = Client().get("/some/path/123/", HTTP_HOST="nowhere.example")
        platform = Client().get("/", HTTP_HOST="localhost")
    first, second = logs.lines()[-2:]
    assert (unknown.status_code, first["route"], first.get("city", "")) == (
        404,
        "<unknown host>",
        "",
    )
    assert platform["X-Request-ID"] == second["request_id"]
    assert "city" not in second


def test_text_format_is_one_readable_line():
    with captured_logs("civicideas.test", text=True) as logs:
        logging.getLogger("civicideas.test").info("hello %s", "world", extra={"status": 200})
    line = logs.text().strip()
    assert "INFO" in line and "civicideas.test" in line and "hello world" in line
    assert "status=200" in line
    assert "\n" not in line


@pytest.mark.django_db
def test_djangos_own_request_warnings_do_not_leak_the_query_string(city):
    """``django.request`` logs 404s with the request object as an extra; its
    repr holds the query string, so it is not written."""
    with captured_logs("django.request") as logs:
        Client().get("/no-such-page/?token=s3cr3t", HTTP_HOST=host_of(city))
    assert logs.lines(), "Django logs the 404"
    assert "s3cr3t" not in logs.text()
    assert logs.lines()[0]["status_code"] == 404
