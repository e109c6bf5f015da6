"""From an idea to a city project, in a real browser (headless Chromium).

A resident shares an idea; the city admin accepts it on the ranking page,
creates a project from it in the back office, adds two milestones and a
news update, and starts it; the resident is told, and sees the project's
progress on the idea's page and on the project's page. axe-core runs on
each public page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Challenge, Idea
from ideas.status import IdeaStatus
from projects.models import Project
from tests.conftest import make_member
from tests.evaluation.factories import ChallengeEvaluationFactory
from tests.factories import PASSWORD, CityFactory

pytestmark = pytest.mark.e2e

PASSWORD_LABEL = re.compile(r"^Password:?$")
TITLE = "Shade sails over the playground"


def sign_in(page: Page, url, email: str) -> None:
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


def test_idea_becomes_a_project_the_author_follows(
    page: Page, transactional_db, live_server, assert_accessible
):
    port = urlsplit(live_server.url).port
    city = CityFactory(slug="riverton", name="Riverton")
    make_member(city, Role.CITIZEN, email="rosa@example.org")
    make_member(city, Role.CITY_ADMIN, email="admin@example.org")
    with city_context(city):
        settings = ChallengeEvaluationFactory(
            challenge__title="Cooler playgrounds", challenge__slug="cool"
        )
        Challenge.objects.filter(pk=settings.challenge_id).update(phase=Challenge.Phase.IDEAS)

    def url(path: str) -> str:
        return f"http://riverton.localhost:{port}{path}"

    # 1. The resident shares an idea.
    sign_in(page, url, "rosa@example.org")
    page.goto(url("/challenges/cool/submit/"))
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Sails give shade in July and August.")
    page.get_by_role("button", name="Submit my idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    with city_context(city):
        idea = Idea.objects.get(title=TITLE)
        Challenge.objects.filter(pk=settings.challenge_id).update(phase=Challenge.Phase.EVALUATION)
    sign_out(page)

    # 2. The city admin accepts it on the ranking page.
    sign_in(page, url, "admin@example.org")
    page.goto(url(f"/admin/evaluation/challengeevaluation/{settings.pk}/ranking/"))
    page.locator(f"#idea-{idea.pk}").check()
    page.get_by_label("Decision").select_option("accept")
    page.get_by_label("Public answer (for ideas without their own)").fill(
        "Yes: the city will install shade sails."
    )
    page.get_by_role("button", name="Apply to the selected ideas").click()
    expect(page.get_by_text("Decision recorded for 1 ideas")).to_be_visible()
    with city_context(city):
        idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED

    # 3. ... creates a project from it, with two milestones and news.
    page.get_by_role("link", name="Create a project").first.click()
    expect(page.locator("#id_title")).to_have_value(TITLE)
    page.get_by_label("Planned start:").fill("2026-01-05")
    page.get_by_label("Planned end:").fill("2027-06-30")
    page.get_by_label("Planned budget:").fill("12000")
    rows = page.locator("#milestones-group tbody tr.form-row")
    page.locator("#id_milestones-0-title").fill("Order the sails")
    page.locator("#id_milestones-0-due_on").fill("2026-02-01")
    page.locator("#id_milestones-0-done_on").fill("2026-01-20")
    page.locator("#milestones-group .add-row a").click()
    page.locator("#id_milestones-1-title").fill("Install the sails")
    page.locator("#id_milestones-1-due_on").fill("2027-05-01")
    assert rows.count() >= 2
    page.locator("#id_updates-0-text").fill("The sails are ordered.")
    page.locator("#id_updates-0-published_on").fill("2026-01-21")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    with city_context(city):
        project = Project.objects.get()
        assert list(project.ideas.all()) == [idea]
        assert project.milestones.count() == 2
        assert project.progress == 50
    page.get_by_role("link", name="Change the status").click()
    page.get_by_label("New status").select_option("in_progress")
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".messagelist")).to_contain_text("status is changed")
    sign_out(page)

    # 4. The resident is told, and sees the progress.
    with city_context(city):
        kinds = set(
            Notification.objects.filter(recipient__email="rosa@example.org").values_list(
                "kind", flat=True
            )
        )
    assert {"idea_status_changed", "project_update"} <= kinds
    sign_in(page, url, "rosa@example.org")
    page.goto(url(f"/ideas/{idea.pk}/"))
    box = page.get_by_role("region", name="The city is carrying out this idea")
    expect(box).to_contain_text(TITLE)
    expect(box.locator("progress")).to_have_attribute("value", "50")
    expect(box).to_contain_text("The sails are ordered.")
    assert_accessible(page)
    box.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("region", name="Milestones")).to_contain_text("Install the sails")
    expect(page.get_by_text("12,000 EUR planned")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Follow this project").click()
    expect(page.get_by_role("button", name="Stop following this project")).to_be_visible()
    page.goto(url("/projects/"))
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    assert_accessible(page)
