"""A person's data in a real browser: sign up, take part in two cities,
download the export and read it, delete the account, and find nothing of
them left in the database. axe-core runs on each page."""

from __future__ import annotations

import json
import re
import zipfile
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from civicideas.accounts import export as export_service
from civicideas.accounts.models import DataExport
from civicideas.tenancy import city_context
from civicideas.tenancy.context import all_cities_context
from ideas.models import Idea, Support
from tests.accounts.test_erasure import sweep
from tests.factories import CityFactory, UserFactory
from tests.ideas.factories import IdeaFactory

pytestmark = pytest.mark.e2e

EMAIL = "noor.vandamme@example.org"
PASSWORD = "a-long-and-private-passphrase"
PASSWORD_LABEL = re.compile(r"^Password:?$")
COMMENT = "A bench by the river would be lovely."


def test_export_then_delete_across_two_cities(
    page: Page, transactional_db, live_server, assert_accessible, tmp_path, settings
):
    port = urlsplit(live_server.url).port
    settings.PUBLIC_URL_SCHEME = "http"
    settings.PUBLIC_URL_PORT = port  # links in e-mails point at the live server
    riverton = CityFactory(slug="riverton", name="Riverton")
    lakeside = CityFactory(slug="lakeside", name="Lakeside")
    author = UserFactory()
    with city_context(riverton):
        bench = IdeaFactory(author=author, title="Benches by the river")
    with city_context(lakeside):
        pier = IdeaFactory(author=author, title="A swimming pier")

    def url(city, path: str) -> str:
        return f"http://{city.slug}.localhost:{port}{path}"

    # 1. Sign up in Riverton, confirm the address, support and comment.
    page.goto(url(riverton, "/accounts/signup/"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()
    [message] = [m for m in mail.outbox if EMAIL in m.to]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body)
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name=re.compile("Sign out", re.IGNORECASE))).to_be_visible()

    page.goto(url(riverton, f"/ideas/{bench.pk}/"))
    page.locator("#support").get_by_role("button", name="Support this idea").click()
    expect(page.locator("#support")).to_contain_text("1 person supports this idea")
    page.get_by_label("Your comment").fill(COMMENT)
    page.get_by_role("button", name="Publish my comment").click()
    expect(page.get_by_text("Your comment is published.")).to_be_visible()

    # 2. Sign in on Lakeside (sessions are per host) and support there too.
    page.goto(url(lakeside, "/accounts/login/"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(url(lakeside, f"/ideas/{pier.pk}/"))
    page.locator("#support").get_by_role("button", name="Support this idea").click()
    expect(page.locator("#support")).to_contain_text("1 person supports this idea")

    # 3. From the profile to the export page; ask for a copy.
    page.goto(url(riverton, "/me/profile/"))
    page.get_by_role("link", name="Download your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Download your data")
    assert_accessible(page)
    page.get_by_role("button", name="Prepare a copy of my data").click()
    expect(page.get_by_text("We are preparing your data.")).to_be_visible()
    assert_accessible(page)

    # The worker's part, run here: build the archive.
    with all_cities_context():
        export = DataExport.objects.get()
    export_service.build_export(city=riverton, export_id=export.pk)
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your data (ZIP)").click()
    path = tmp_path / "export.zip"
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert "README.txt" in names
        comments = json.loads(archive.read("riverton/ideas/comments.json"))
        assert [c["body"] for c in comments] == [COMMENT]
        assert len(json.loads(archive.read("lakeside/ideas/supports.json"))) == 1
        assert json.loads(archive.read("account.json"))[0]["email"] == EMAIL
    assert_accessible(page)

    # A second copy the same day is refused with a clear message.
    page.get_by_role("button", name="Prepare a copy of my data").click()
    expect(page.get_by_text("You can ask for one export a day")).to_be_visible()

    # 4. Delete the account, confirmed by the password, from the keyboard.
    page.get_by_role("link", name="Delete your account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    assert_accessible(page)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Your password").press("Enter")
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("Sign in", re.IGNORECASE)).first
    ).to_be_visible()
    assert_accessible(page)

    # 5. Nothing of the person is left; their comment stays, anonymised.
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email=EMAIL).exists()
    with all_cities_context():
        assert Support.objects.count() == 0
        assert all(i.support_count == 0 for i in Idea.objects.all())
        assert bench.comments.get().author.email.startswith("former-participant@")
    leftovers = sweep(export.user_id, [EMAIL])
    assert leftovers == []
