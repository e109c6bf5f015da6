"""Issue 3's citizen journey in a real browser (headless Chromium).

A resident signs up and verifies the email from the test outbox, shares an
idea (similar ideas appear while the title is typed; a preview comes first),
supports another idea, comments on it and reports someone else's comment. A
moderator hides that comment from the admin's moderation queue with a
reason, and the comment's author sees the reason. axe-core runs on every
public page of the way.

The live server answers in its own thread and its own transactions, so the
data is created (and committed) with factories before the browser starts
(``transactional_db``), and read back inside ``city_context`` afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import services
from ideas.models import Challenge, Comment, Idea, Report
from tests.conftest import make_member
from tests.factories import PASSWORD, CityFactory
from tests.ideas.factories import ChallengeFactory, CommentFactory, IdeaFactory

pytestmark = pytest.mark.e2e

HOST = "riverton.localhost"
CITIZEN_EMAIL = "new.resident@example.org"
CITIZEN_PASSWORD = "a-long-and-unusual-passphrase-42"
EXISTING_TITLE = "More benches along the river"
NEW_TITLE = "Shaded benches by the river"
NEW_BODY = "Benches under the **trees**, so older residents can rest on hot days."
RUDE_COMMENT = "Only idiots would want this."
REPORT_REASON = "This comment insults other residents."
HIDE_REASON = "Insults are not allowed by the house rules."
MY_COMMENT = "Yes please, the riverside needs places to sit."
# allauth's labels end with a colon; "Password (again)" must not match.
PASSWORD_LABEL = re.compile(r"^Password:?$")


@dataclass
class World:
    challenge: Challenge
    benches: Idea
    rude_comment: Comment
    url: Callable[[str], str]  # path -> absolute URL on the city's host


@pytest.fixture
def world(transactional_db, live_server, settings) -> World:
    """Riverton with an open challenge, one public idea (indexed for the
    similar-ideas lookup) and a rude comment on it by another resident."""
    port = urlsplit(live_server.url).port
    # The verification link is built on the city's primary domain with the
    # public scheme and port: point it at the live server.
    settings.PUBLIC_URL_SCHEME = "http"
    settings.PUBLIC_URL_PORT = port
    city = CityFactory(slug="riverton", name="Riverton")
    alice = make_member(city, Role.CITIZEN, email="alice@example.org")
    make_member(city, Role.MODERATOR, email="moderator@example.org")
    with city_context(city):
        challenge = ChallengeFactory(
            slug="green",
            title="A greener Riverton",
            summary="Where should the city plant, shade and rest?",
            phase=Challenge.Phase.IDEAS,
            require_verified_email=True,
        )
        benches = IdeaFactory(challenge=challenge, title=EXISTING_TITLE, author=alice)
        services._refresh_search_vector(benches)
        rude = CommentFactory(idea=benches, author=alice, body=RUDE_COMMENT)
    return World(
        challenge=challenge,
        benches=benches,
        rude_comment=rude,
        url=lambda path="/": f"http://{HOST}:{port}{path}",
    )


def sign_in(page: Page, world: World, email: str, password: str = PASSWORD) -> None:
    page.goto(world.url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()


def test_citizen_journey_from_sign_up_to_a_hidden_comment(
    page: Page, browser: Browser, world: World, assert_accessible
):
    # 1. Sign up, verify the email from the outbox, land signed in.
    page.goto(world.url("/accounts/signup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    assert_accessible(page)
    page.get_by_label("Email").fill(CITIZEN_EMAIL)
    page.get_by_label(PASSWORD_LABEL).fill(CITIZEN_PASSWORD)
    page.get_by_label("Password (again)").fill(CITIZEN_PASSWORD)
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert_accessible(page)

    [message] = [m for m in mail.outbox if CITIZEN_EMAIL in m.to]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, message.body
    assert link.group(0).startswith(world.url("/accounts/confirm-email/"))
    page.goto(link.group(0))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    sign_out = page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))
    expect(sign_out).to_be_visible()
    expect(page.get_by_role("link", name="My participation")).to_be_visible()

    # 2. The challenge, the submit form with similar ideas while typing, a
    #    preview, then the idea's page.
    page.goto(world.url(f"/challenges/{world.challenge.slug}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("A greener Riverton")
    assert_accessible(page)
    page.get_by_role("link", name="Share your idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share your idea")
    assert_accessible(page)

    similar = page.locator("#similar")
    expect(similar).not_to_contain_text(EXISTING_TITLE)
    page.get_by_label("Title").press_sequentially(NEW_TITLE, delay=30)
    # htmx asks the server once typing pauses; the existing idea shows up.
    expect(similar.get_by_role("link", name=EXISTING_TITLE, exact=True)).to_be_visible()
    expect(similar.get_by_role("heading")).to_have_text("Similar ideas already shared")
    assert_accessible(page)
    page.get_by_label("Description").fill(NEW_BODY)
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", level=3)).to_have_text(NEW_TITLE)
    expect(preview.locator("strong")).to_have_text("trees")  # Markdown rendered
    expect(page.get_by_label("Title")).to_have_value(NEW_TITLE)
    assert_accessible(page)
    page.get_by_role("button", name="Submit my idea").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    expect(page.get_by_text("Thank you! Your idea is published.")).to_be_visible()
    expect(page.locator(".markdown strong")).to_have_text("trees")
    assert_accessible(page)
    with city_context(world.challenge.city):
        mine = Idea.objects.get(title=NEW_TITLE)
        assert mine.author.email == CITIZEN_EMAIL
        assert mine.challenge_id == world.challenge.pk

    # 3. Support another idea (htmx; the count goes up), comment on it,
    #    report someone else's comment.
    page.goto(world.url(f"/ideas/{world.benches.pk}/"))
    support = page.locator("#support")
    expect(support).to_contain_text("0 people support this idea")
    support.get_by_role("button", name="Support this idea").click()
    expect(support).to_contain_text("1 person supports this idea")
    # The label says what the button does now; no aria-pressed on top of it
    # ("Withdraw my support, pressed" was issue 20). Focus stays on it.
    withdraw = support.get_by_role("button", name="Withdraw my support")
    expect(withdraw).to_be_focused()
    assert withdraw.get_attribute("aria-pressed") is None
    expect(support).to_contain_text("Thank you for your support.")
    expect(page.locator("#status-region")).to_have_text("Thank you for your support.")
    assert_accessible(page)

    page.get_by_label("Your comment").fill(MY_COMMENT)
    page.get_by_role("button", name="Publish my comment").click()
    expect(page.get_by_text("Your comment is published.")).to_be_visible()
    expect(page.locator(".comment-body", has_text=MY_COMMENT)).to_be_visible()
    # The count survived the reload: the support was stored, not just shown.
    expect(support).to_contain_text("1 person supports this idea")

    rude = page.locator(f"#comment-{world.rude_comment.pk}")
    expect(rude).to_contain_text(RUDE_COMMENT)
    rude.get_by_text("Report", exact=True).click()
    rude.get_by_label("Why should moderators look at this?").fill(REPORT_REASON)
    rude.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Thank you. A moderator will look at your report.")).to_be_visible()
    assert_accessible(page)
    with city_context(world.challenge.city):
        report = Report.objects.get(comment=world.rude_comment)
        assert report.reason == REPORT_REASON
        assert report.reporter.email == CITIZEN_EMAIL

    # My participation: my idea, my support, my comment.
    page.get_by_role("link", name="My participation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My participation")
    mine_section = page.get_by_role("region", name="My ideas")
    expect(mine_section.get_by_role("link", name=NEW_TITLE, exact=True)).to_be_visible()
    supports_section = page.get_by_role("region", name="Ideas I support")
    expect(supports_section.get_by_role("link", name=EXISTING_TITLE, exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="My comments")).to_contain_text(MY_COMMENT)
    assert_accessible(page)

    # 4. A moderator hides the reported comment in the admin, with a reason.
    moderator_context = browser.new_context()
    try:
        moderator = moderator_context.new_page()
        sign_in(moderator, world, "moderator@example.org")
        moderator.goto(world.url("/admin/ideas/idea/moderation/?kind=comment"))
        row = moderator.locator(f"#item-comment-{world.rude_comment.pk}")
        expect(row).to_contain_text(RUDE_COMMENT)
        expect(row).to_contain_text(REPORT_REASON)
        moderator.get_by_label("Reason (required to hide; shown to the author)").fill(HIDE_REASON)
        row.get_by_role("button", name=re.compile(r"^Hide")).click()
        expect(moderator.locator(".messagelist .success")).to_contain_text(": 1 item.")
        expect(moderator.locator(".messagelist .error")).to_have_count(0)
        # Handled: the comment left the queue.
        expect(row).to_have_count(0)
    finally:
        moderator_context.close()
    with city_context(world.challenge.city):
        hidden = Comment.objects.get(pk=world.rude_comment.pk)
        assert (hidden.state, hidden.hidden_reason) == (Comment.State.HIDDEN, HIDE_REASON)

    # Other residents see that it was hidden, not why.
    page.goto(world.url(f"/ideas/{world.benches.pk}/"))
    expect(rude).to_contain_text("This comment was hidden by the moderators.")
    expect(rude).not_to_contain_text(RUDE_COMMENT)
    expect(rude).not_to_contain_text(HIDE_REASON)

    # 5. The comment's author sees the reason, on their page and the idea's.
    author_context = browser.new_context()
    try:
        author = author_context.new_page()
        sign_in(author, world, "alice@example.org")
        author.goto(world.url("/me/"))
        expect(author.get_by_role("region", name="My comments")).to_contain_text(
            f"hidden by the moderators: {HIDE_REASON}"
        )
        assert_accessible(author)
        author.goto(world.url(f"/ideas/{world.benches.pk}/"))
        own = author.locator(f"#comment-{world.rude_comment.pk}")
        expect(own).to_contain_text("This comment was hidden by the moderators.")
        expect(own).to_contain_text(f"Reason: {HIDE_REASON}")
        assert_accessible(author)
    finally:
        author_context.close()
