"""Issue 20: accessibility that axe cannot see, in a real browser (Chromium).

Focus after htmx swaps, the page's one status region, reflow at 320 px in
every language, the language of parts, focus on the error summary with
"Error:" in the title, forced colours on the ranking page, and the smaller
ones (the filter form's trigger, repeated buttons named after their comment,
the leniency chart's caption). docs/accessibility.md lists what these cover
and what was checked by hand.

One world is built per test (the live server needs committed rows); each test
walks many pages in one browser context to stay fast. Set ``A11Y_SHOTS`` to a
folder to keep screenshots of the pages at 320, 390 and 1280 px.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from evaluation import services as evaluation_services
from evaluation.models import Assignment, ChallengeEvaluation
from ideas import services as idea_services
from ideas.models import Challenge, Idea
from tests.conftest import make_member
from tests.evaluation.factories import ChallengeEvaluationFactory, CriterionFactory
from tests.factories import CityFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    IdeaFactory,
)
from tests.sponsors.factories import (
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
LAKESIDE = "lakeside.localhost"
FRENCH_TITLE = "Des arbres le long du canal"
ENGLISH_TITLE = "Trees along the canal"
IDEAS = 25  # more than one page (20 a page)
SHOTS = os.environ.get("A11Y_SHOTS")
STATUS = "#status-region"


@dataclass
class World:
    port: int
    riverton: City
    challenge: Challenge
    english: Idea
    french: Idea
    need_pk: int
    group_pk: int
    initiative_pk: int
    sponsor_pk: int
    settings: ChallengeEvaluation
    citizen: object
    moderator: object
    admin: object
    lakeside_challenge: Challenge

    def url(self, path: str = "/", host: str = HOST) -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def world(transactional_db, live_server) -> World:
    """Riverton (en, fr, nl): a challenge with a page and a half of ideas, a
    French one among them, comments; a group with an initiative and a need;
    a sponsor; a challenge in evaluation with scorecards. Lakeside (French
    by default) with a challenge written in French."""
    riverton = CityFactory(slug="riverton", name="Riverton")
    citizen = make_member(riverton, Role.CITIZEN, email="citizen@example.org")
    alice = make_member(riverton, Role.CITIZEN, email="alice@example.org")
    moderator = make_member(riverton, Role.MODERATOR, email="moderator@example.org")
    admin = make_member(riverton, Role.CITY_ADMIN, email="admin@example.org")
    evaluators = [
        make_member(riverton, Role.EVALUATOR, email=f"eval{i}@example.org") for i in range(3)
    ]
    with city_context(riverton):
        CategoryFactory(name="Parks")
        CategoryFactory(name="Streets")
        challenge = ChallengeFactory(
            slug="green", title="A greener Riverton", phase=Challenge.Phase.IDEAS
        )
        english = IdeaFactory(challenge=challenge, title=ENGLISH_TITLE, author=alice)
        french = IdeaFactory(
            challenge=challenge,
            title=FRENCH_TITLE,
            body="Planter des arbres pour l'ombre en été.",
            language="fr",
            author=alice,
        )
        others = [IdeaFactory(challenge=challenge, title="Tree nursery in the park")]
        others += [IdeaFactory(challenge=challenge, title="Trees for the school yard")]
        others += [
            IdeaFactory(challenge=challenge, title=f"Bench number {n}")
            for n in range(IDEAS - 2 - len(others))
        ]
        for idea in [english, french, *others]:
            idea_services._refresh_search_vector(idea)
        CommentFactory(idea=english, author=alice, body="Shade matters in July.")
        CommentFactory(idea=english, author=alice, body="Also near the station.")
        CommentFactory(idea=french, author=citizen, body="Bonne idée !")

        group = GroupMembershipFactory(group__name="River friends").group
        initiative = InitiativeFactory(group=group, title="Community garden")
        need = NeedFactory(initiative=initiative)
        refresh(initiative)
        sponsor = SponsorFactory(name="Green Bank")
        SponsorMembershipFactory(sponsor=sponsor, user=citizen)

        settings = ChallengeEvaluationFactory(challenge__title="Cooler streets")
        criteria = [
            CriterionFactory(rubric=settings.rubric, name="Impact"),
            CriterionFactory(rubric=settings.rubric, name="Cost"),
        ]
        for n in range(3):
            IdeaFactory(challenge=settings.challenge, title=f"Cooling idea {n}")
        evaluation_services.assignments_auto_assign(challenge=settings.challenge, by=admin, seed=3)
        for i, assignment in enumerate(Assignment.objects.order_by("pk")):
            evaluation_services.scorecard_submit(
                assignment=assignment,
                by=assignment.evaluator,
                scores={c.pk: (i + k) % 6 for k, c in enumerate(criteria)},
                recommendation="accept",
            )
    assert evaluators
    lakeside = CityFactory(
        slug="lakeside", name="Lakeside", languages=["fr", "en"], default_language="fr"
    )
    with city_context(lakeside):
        lakeside_challenge = ChallengeFactory(
            slug="lac", title="Un lac plus propre", summary="Que faire pour le lac ?"
        )
    return World(
        port=urlsplit(live_server.url).port,
        riverton=riverton,
        challenge=challenge,
        english=english,
        french=french,
        need_pk=need.pk,
        group_pk=group.pk,
        initiative_pk=initiative.pk,
        sponsor_pk=sponsor.pk,
        settings=settings,
        citizen=citizen,
        moderator=moderator,
        admin=admin,
        lakeside_challenge=lakeside_challenge,
    )


def sign_in(context: BrowserContext, world: World, user, host: str = HOST) -> None:
    """A session cookie for ``user`` (the sign-in form has its own test)."""
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": world.url("/", host)}])


def new_context(browser: Browser, language: str = "en", **kwargs) -> BrowserContext:
    return browser.new_context(extra_http_headers={"Accept-Language": language}, **kwargs)


def status_region(page: Page):
    return page.locator(STATUS)


def focused(page: Page, expression: str = "e => e.outerHTML"):
    return page.evaluate(f"({expression})(document.activeElement)")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


# --- 1, 2 and 7: focus and announcements after htmx swaps ----------------------------


def test_support_keeps_focus_on_the_button_and_announces(browser: Browser, world: World):
    context = new_context(browser)
    sign_in(context, world, world.citizen)
    page = context.new_page()
    page.goto(world.url(f"/ideas/{world.english.pk}/"))
    region = status_region(page)
    # One persistent region, outside the swapped box; the box has no aria-live.
    expect(region).to_have_attribute("role", "status")
    assert page.locator("[aria-live]").count() == 1
    assert page.locator("#support [aria-pressed]").count() == 0

    button = page.locator("#support").get_by_role("button", name="Support this idea")
    button.focus()
    page.keyboard.press("Enter")
    expect(region).to_have_text("Thank you for your support.")
    expect(page.locator("#support")).to_contain_text("1 person supports this idea")
    # Focus is on the new button, whose label (not aria-pressed) says what it does.
    withdraw = page.locator("#support").get_by_role("button", name="Withdraw my support")
    expect(withdraw).to_be_focused()
    assert withdraw.get_attribute("aria-pressed") is None

    page.keyboard.press("Enter")
    expect(region).to_have_text("Your support is withdrawn.")
    expect(page.locator("#support").get_by_role("button", name="Support this idea")).to_be_focused()
    shoot(page, "idea-after-support-1280")

    # Repeated "Reply" / "Report" name the comment they act on.
    reply_names = page.locator("summary .visually-hidden").all_inner_texts()
    assert "Reply to the comment by a resident" in reply_names
    assert "Report the comment by a resident" in reply_names
    context.close()


def test_filters_search_and_pagination_focus_and_announce(browser: Browser, world: World):
    context = new_context(browser)
    page = context.new_page()
    challenge_url = world.url("/challenges/green/")
    page.goto(challenge_url)
    region = status_region(page)
    assert page.locator("#results[aria-live], #results [aria-live]").count() == 0

    # The header's language select is not a filter: no request, no new URL.
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/challenges/" in r.url else None)
    page.locator("#language-select").select_option("fr")
    page.wait_for_timeout(1000)
    assert requests == [] and page.url == challenge_url

    # Arrowing through a filter makes one request and one history entry.
    history = page.evaluate("history.length")
    category = page.get_by_label("Category")
    category.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"category=\d+"))
    expect(region).to_have_text(re.compile(r"^0 ideas$"))
    page.wait_for_timeout(1000)
    assert page.evaluate("history.length") == history + 1
    assert len([u for u in requests if "category=" in u]) == 1
    expect(category).to_be_focused()  # focus stays on the control

    # Search: the count is announced, focus stays in the form.
    page.goto(challenge_url)
    page.get_by_label("Search ideas").fill("school")
    page.get_by_role("button", name="Show ideas").click()
    expect(region).to_have_text(re.compile(r"^1 idea matches “school”\."))
    expect(page.get_by_role("button", name="Show ideas")).to_be_focused()

    # Pagination: the link is replaced, focus moves to the top of the new
    # page of results, which is announced.
    page.goto(challenge_url)
    page.get_by_role("link", name="Next page").focus()
    page.keyboard.press("Enter")
    expect(region).to_have_text(re.compile(rf"^{IDEAS} ideas \(showing 21\u2013{IDEAS}\)$"))
    expect(page.locator("#results .result-count")).to_be_focused()
    page.keyboard.press("Tab")  # the next Tab stop is the first idea of the new page
    assert focused(page, "e => e.closest('#results') !== null")
    context.close()


def test_similar_ideas_are_announced_while_typing(browser: Browser, world: World):
    context = new_context(browser)
    sign_in(context, world, world.citizen)
    page = context.new_page()
    page.goto(world.url("/challenges/green/submit/"))
    title = page.get_by_label("Title")
    title.press_sequentially("Trees for the school", delay=20)
    expect(status_region(page)).to_have_text(re.compile(r"^\d similar ideas?$"))
    expect(
        page.locator("#similar").get_by_role("link", name="Trees for the school yard")
    ).to_be_visible()
    expect(title).to_be_focused()
    assert page.locator("#similar[aria-live]").count() == 0
    context.close()
