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
    OfferFactory,
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
    for i in range(3):  # the evaluators that auto-assignment picks from
        make_member(riverton, Role.EVALUATOR, email=f"eval{i}@example.org")
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
        rude = CommentFactory(idea=english, author=alice, body="Only idiots want trees.")
        idea_services.report_create(reporter=citizen, reason="Insulting", comment=rude)

        group = GroupMembershipFactory(group__name="River friends").group
        initiative = InitiativeFactory(group=group, title="Community garden")
        need = NeedFactory(initiative=initiative)
        refresh(initiative)
        sponsor = SponsorFactory(name="Green Bank")
        SponsorMembershipFactory(sponsor=sponsor, user=citizen)
        # A data table on the dashboard ("Your offers"): it may scroll, alone.
        OfferFactory(sponsor=sponsor, need=need, made_by=citizen, message="x" * 300)

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


# --- 5: errors after submit ----------------------------------------------------------


def assert_error_page(page: Page, field_label: str) -> None:
    """ "Error:" first in the title, focus on the summary, whose link for the
    field moves focus to that field."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=re.compile(rf"^{re.escape(field_label)}"))
    field_id = link.get_attribute("href").removeprefix("#")
    link.click()
    expect(page.locator(f"#{field_id}")).to_be_focused()


def test_errors_after_submit_focus_the_summary_and_say_so_in_the_title(
    browser: Browser, world: World
):
    anonymous = new_context(browser)
    page = anonymous.new_page()
    page.goto(world.url("/accounts/login/"))
    expect(page).not_to_have_title(re.compile("Error"))
    page.get_by_label("Email").fill("citizen@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_contain_text("not correct")
    anonymous.close()

    context = new_context(browser)
    sign_in(context, world, world.citizen)
    page = context.new_page()
    page.goto(world.url("/challenges/green/submit/"))
    page.get_by_role("button", name="Submit my idea").click()
    assert_error_page(page, "Title")

    page.goto(world.url(f"/needs/{world.need_pk}/offer/"))
    page.get_by_label("Quantity").fill("-3")
    page.get_by_role("button", name="Send the offer").click()
    assert_error_page(page, "Quantity")

    # The comment form on the idea's page too.
    page.goto(world.url(f"/ideas/{world.english.pk}/"))
    page.get_by_label("Your comment").fill("   ")
    page.get_by_role("button", name="Publish my comment").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    context.close()

    # The admin's moderation reason: the field is invalid, its help linked.
    staff = new_context(browser)
    sign_in(staff, world, world.moderator)
    page = staff.new_page()
    page.goto(world.url("/admin/ideas/idea/moderation/"))
    page.locator("tr", has_text="Only idiots").get_by_role(
        "button", name=re.compile("^Hide")
    ).click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    reason = page.locator("#id_reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    described = reason.get_attribute("aria-describedby").split()
    assert "id_reason_helptext" in described and "id_reason_error" in described
    expect(page.locator("#id_reason_helptext")).to_contain_text("“Hide” button")
    expect(page.locator("#id_reason_error")).to_contain_text("Give the reason for hiding")
    page.locator("[data-error-summary] a").click()
    expect(reason).to_be_focused()
    shoot(page, "admin-moderation-error-1280")
    staff.close()


# --- 4: language of parts ------------------------------------------------------------


def test_foreign_language_content_is_marked(browser: Browser, world: World):
    context = new_context(browser, "en")
    page = context.new_page()
    page.goto(world.url("/challenges/green/?q=canal"))
    expect(page.locator(".idea-card h3", has_text=FRENCH_TITLE)).to_have_attribute("lang", "fr")
    assert page.locator(".idea-card h3", has_text=ENGLISH_TITLE).get_attribute("lang") is None
    assert page.locator("h1").get_attribute("lang") is None  # Riverton writes in English
    page.goto(world.url(f"/ideas/{world.french.pk}/"))
    expect(page.locator("h1")).to_have_attribute("lang", "fr")
    expect(page.locator(".idea .markdown")).to_have_attribute("lang", "fr")
    # Comments carry the language they were written in (Comment.language).
    expect(page.locator(".comment-body", has_text="Bonne idée")).to_have_attribute("lang", "fr")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(world.url(f"/ideas/{world.english.pk}/"))
    shade = page.locator(".comment-body", has_text="Shade matters")
    expect(shade).to_be_visible()
    assert shade.get_attribute("lang") is None
    context.close()

    context = new_context(browser, "fr")
    page = context.new_page()
    page.goto(world.url("/challenges/green/?q=canal"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator(".idea-card h3", has_text=FRENCH_TITLE).get_attribute("lang") is None
    expect(page.locator(".idea-card h3", has_text=ENGLISH_TITLE)).to_have_attribute("lang", "en")
    # The challenge text is the city's (English): marked on a French page.
    expect(page.locator("h1")).to_have_attribute("lang", "en")
    context.close()

    # Lakeside writes in French; an English page marks its challenge.
    context = new_context(browser, "en")
    page = context.new_page()
    page.goto(world.url("/challenges/lac/", LAKESIDE))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_attribute("lang", "fr")
    expect(page.locator(".lead")).to_have_attribute("lang", "fr")
    context.close()


# --- 3: reflow at 320 px ---------------------------------------------------------------

ANONYMOUS_PAGES = [
    ("localhost", "/"),
    ("localhost", "/accessibility/"),
    (HOST, "/"),
    (HOST, "/accessibility/"),
    (HOST, "/challenges/green/"),
    (HOST, "/challenges/green/?page=2"),
    (HOST, "/initiatives/"),
    (HOST, "/events/"),
    (HOST, "/accounts/login/"),
    (HOST, "/accounts/signup/"),
    (HOST, "/accounts/password/reset/"),
    (HOST, "/no-such-page/"),
    (LAKESIDE, "/"),
]


def signed_in_pages(world: World) -> list[tuple[str, str]]:
    return [
        (HOST, "/"),
        (HOST, f"/ideas/{world.english.pk}/"),
        (HOST, f"/ideas/{world.french.pk}/"),
        (HOST, "/challenges/green/submit/"),
        (HOST, f"/initiatives/{world.initiative_pk}/"),
        (HOST, f"/groups/{world.group_pk}/"),
        (HOST, "/groups/new/"),
        (HOST, f"/sponsors/{world.sponsor_pk}/"),
        (HOST, f"/sponsors/{world.sponsor_pk}/edit/"),
        (HOST, f"/sponsors/{world.sponsor_pk}/members/"),
        (HOST, f"/needs/{world.need_pk}/offer/"),
        (HOST, "/me/"),
        (HOST, "/me/follows/"),
        (HOST, "/me/profile/"),
        (HOST, "/notifications/"),
        (HOST, "/notifications/preferences/"),
    ]


def overflow(page: Page) -> dict:
    """The page's width, and the widest element that is not inside a table's
    own scrolling container (to say what to fix)."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.scrollWidth;
        let widest = null;
        for (const e of document.body.querySelectorAll('*')) {
          if (e.closest('.table-scroll, .visually-hidden')) continue;
          const right = e.getBoundingClientRect().right;
          if (right > 320.5 && (!widest || right > widest.right)) {
            const text = (e.innerText || '').slice(0, 40);
            widest = {right, tag: e.tagName, cls: e.className, text};
          }
        }
        const button = document.querySelector('.language-switcher button');
        const switcher = button ? button.getBoundingClientRect().right : 0;
        return {width, widest, switcher};
      }"""
    )


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_no_horizontal_scroll_at_320_px(browser: Browser, world: World, language: str):
    """WCAG 1.4.10: at 320 CSS px no public page scrolls sideways (only a data
    table may, inside its own container), and "Change language" is whole."""
    failures = []
    for signed_in, pages in ((False, ANONYMOUS_PAGES), (True, signed_in_pages(world))):
        context = new_context(browser, language, viewport={"width": 320, "height": 640})
        if signed_in:
            sign_in(context, world, world.citizen)
        page = context.new_page()
        for host, path in pages:
            page.goto(world.url(path, host))
            found = overflow(page)
            if found["width"] > 320 or found["switcher"] > 320:
                failures.append(
                    f"{host}{path} ({'signed in' if signed_in else 'anonymous'}): {found}"
                )
            if language == "en" and not signed_in and host == HOST and path == "/":
                shoot(page, "city-home-320")
        context.close()
    assert not failures, "\n".join(failures)


# --- 6 and 7: forced colours, the leniency chart -------------------------------------


def test_ranking_charts_and_admin_buttons_in_forced_colours(browser: Browser, world: World):
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    sign_in(context, world, world.admin)
    page = context.new_page()
    page.emulate_media(forced_colors="active", color_scheme="dark")
    page.goto(world.url(f"/admin/evaluation/challengeevaluation/{world.settings.pk}/ranking/"))
    texts = page.locator("section svg text")
    assert texts.count() > 0
    # No fixed colour: the text follows the (forced) text colour.
    assert set(texts.evaluate_all("ts => ts.map(t => t.getAttribute('fill'))")) == {"currentColor"}
    fill, colour = texts.first.evaluate(
        "t => [getComputedStyle(t).fill, getComputedStyle(t).color]"
    )
    assert fill == colour, (fill, colour)
    assert "1f1f1f" not in page.locator("section svg").first.evaluate("s => s.outerHTML")
    bar = page.locator(".chart-bar").first.evaluate("b => getComputedStyle(b).fill")
    assert bar == fill  # a system colour (CanvasText), not the brand blue
    axis = page.locator(".chart-axis").evaluate("a => getComputedStyle(a).stroke")
    assert axis == fill

    # The leniency chart: a caption, and a link to the table with its numbers.
    figure = page.locator("#leniency-heading ~ figure")
    expect(figure.locator("figcaption")).to_contain_text("right of the axis lenient")
    figure.get_by_role("link", name="The same numbers as a table").click()
    expect(page.locator("#leniency-table")).to_be_focused()
    shoot(page, "ranking-forced-colours-1280")

    # The moderation queue's buttons keep a border without their background.
    page.goto(world.url("/admin/ideas/idea/moderation/"))
    for button in (
        page.locator(".row-actions .button").first,
        page.locator(".submit-row input[type=submit]"),
    ):
        width, style = button.evaluate(
            "b => [getComputedStyle(b).borderTopWidth, getComputedStyle(b).borderTopStyle]"
        )
        assert style == "solid" and width != "0px", (width, style)
    shoot(page, "moderation-forced-colours-1280")

    # On a narrow screen the charts scroll inside their own container.
    page.emulate_media(forced_colors="none")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(world.url(f"/admin/evaluation/challengeevaluation/{world.settings.pk}/ranking/"))
    figure = page.locator("#leniency-heading ~ figure")
    assert figure.evaluate("f => getComputedStyle(f).overflowX") == "auto"
    assert figure.evaluate("f => f.getBoundingClientRect().right") <= 390
    shoot(page, "ranking-390")
    context.close()


@pytest.mark.skipif(not SHOTS, reason="screenshots only when A11Y_SHOTS is set")
def test_screenshots_of_changed_pages(browser: Browser, world: World):
    """Not an assertion: pictures for a person to look at (A11Y_SHOTS)."""
    for width in (320, 390, 1280):
        context = new_context(browser, viewport={"width": width, "height": 800})
        sign_in(context, world, world.citizen)
        page = context.new_page()
        for name, path in (
            ("home", "/"),
            ("challenge", "/challenges/green/"),
            ("idea", f"/ideas/{world.english.pk}/"),
            ("initiative", f"/initiatives/{world.initiative_pk}/"),
            ("dashboard", f"/sponsors/{world.sponsor_pk}/"),
        ):
            page.goto(world.url(path))
            shoot(page, f"{name}-{width}")
        page.goto(world.url("/challenges/green/submit/"))
        page.get_by_role("button", name="Submit my idea").click()
        shoot(page, f"submit-error-{width}")
        context.close()
        for language in ("fr", "nl"):
            context = new_context(browser, language, viewport={"width": width, "height": 800})
            page = context.new_page()
            page.goto(world.url("/accounts/login/"))
            page.locator("input[name=login]").fill("citizen@example.org")
            page.locator("input[name=password]").fill("not-the-password")
            page.locator("main form button[type=submit]").click()
            shoot(page, f"login-error-{language}-{width}")
            context.close()
