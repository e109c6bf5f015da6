"""Browser tests: Playwright drives Debian's Chromium (never a browser that
Playwright would download) against pytest-django's live server.

Chromium resolves every ``*.localhost`` name to the loopback address, so a
city is reached as ``http://<slug>.localhost:<port>/`` with no DNS set-up.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls (factories) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests cannot run: skip them on a
    developer's machine, but fail in CI (where `make test` installs it)."""
    if shutil.which(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: apt-get install chromium")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def live_requests_settle(live_server):
    """Before pytest-django flushes the database after a browser test, wait
    until the live server has finished what the browser left running (a bell
    or similar-ideas request still in its transaction). Flushing meanwhile
    deadlocks: TRUNCATE waits for that request's lock, the request for a
    table TRUNCATE holds. Depends on ``live_server`` so that it is torn down
    before it (and before the flush)."""
    yield
    from django.db import connection

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


@pytest.fixture
def site_url(live_server) -> Callable[[str, str], str]:
    """``site_url("riverton.localhost", "/path")`` on the live server's port."""
    port = urlsplit(live_server.url).port

    def url(hostname: str, path: str = "/") -> str:
        return f"http://{hostname}:{port}{path}"

    return url


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(axe: Axe) -> Callable:
    """Run axe-core on the page; fail on any serious or critical violation."""

    def check(page) -> list[dict]:
        violations = axe.run(page).response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:5])
            for v in blocking
        )
        assert not blocking, f"axe found on {page.url}:\n{report}"
        for v in violations:  # minor and moderate ones are shown, not fatal
            print(f"axe {page.url}: {v['id']} ({v['impact']}): {v['help']}")
        return violations

    return check


@pytest.fixture(autouse=True)
def _patient_expect():
    """Journeys on a shared CI machine: give each auto-waiting assertion
    more than Playwright's 5 s, then put the default back."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)
