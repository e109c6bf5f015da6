"""A workshop's ideas imported from a CSV file in a real browser: upload,
column mapping, a dry run showing row errors, the import (its Celery task
run here, as no worker runs in tests), then the ideas on the challenge page.
axe-core runs on each page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import tasks
from ideas.models import Idea, ImportBatch
from tests.conftest import make_member
from tests.e2e.test_offline_journey import _sign_in
from tests.factories import CityFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory

pytestmark = pytest.mark.e2e

CSV = (
    "Titre,Texte,Catégorie,Accord\n"
    "Swings for the park,Said by three children at the workshop,Parks,oui\n"
    "A skate ramp,Near the station,Sports,oui\n"
    "Benches in the shade,For the older people,Parks,non\n"
    "Water fountains,Along the river walk,,oui\n"
)


def test_import_a_workshops_ideas_from_a_csv_file(
    page: Page, transactional_db, live_server, assert_accessible, tmp_path: Path
):
    port = urlsplit(live_server.url).port
    city = CityFactory(slug="riverton", name="Riverton")
    make_member(city, Role.MODERATOR, email="mo@example.org")
    with city_context(city):
        challenge = ChallengeFactory(slug="green", title="A greener Riverton")
        CategoryFactory(name="Parks")

    def url(path: str) -> str:
        return f"http://riverton.localhost:{port}{path}"

    upload = tmp_path / "workshop.csv"
    upload.write_bytes(CSV.encode("utf-8-sig"))
    given = timezone.localdate() - timedelta(days=2)

    _sign_in(page, url, "mo@example.org")
    page.goto(url("/admin/ideas/idea/"))
    page.get_by_role("link", name="Import ideas from a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import ideas from a file")
    assert_accessible(page)
    page.get_by_label("File (CSV UTF-8 or XLSX)").set_input_files(str(upload))
    page.get_by_label("Challenge").select_option(label="A greener Riverton")
    page.get_by_label("How were the ideas given?").select_option("workshop")
    page.get_by_label("Date the ideas were given").fill(given.isoformat())
    page.get_by_role("button", name="Upload and choose the columns").click()

    # The columns are guessed from the French headers.
    expect(page.get_by_label(re.compile(r"^Title"))).to_have_value("0")
    expect(page.get_by_label(re.compile(r"^Consent to publish"))).to_have_value("3")
    assert_accessible(page)
    page.get_by_role("button", name="Check the rows (dry run)").click()
    rows = page.locator("#import-rows")
    expect(rows.locator("#row-3")).to_contain_text("Unknown category “Sports”.")
    expect(rows.locator("#row-4")).to_contain_text("consent to publish is missing")
    expect(page.locator(".import-summary")).to_contain_text("2 rows ready to import")
    assert_accessible(page)
    with city_context(city):
        assert Idea.objects.count() == 0
        batch = ImportBatch.objects.get()

    page.get_by_role("button", name="Import 2 ideas").click()
    expect(page.get_by_text("The import has started.")).to_be_visible()
    expect(page.locator("#import-progress progress")).to_be_visible()
    tasks.import_batch.apply(args=[city.pk, batch.pk], throw=True)
    # The page polls, sees the end and shows the result.
    expect(page.locator(".import-result")).to_contain_text("2 ideas created", timeout=15_000)
    expect(page.get_by_role("button", name="Undo this import")).to_be_visible()
    assert_accessible(page)

    page.goto(url(f"/challenges/{challenge.slug}/"))
    card = page.locator(".idea-card", has_text="Swings for the park")
    expect(card).to_contain_text(re.compile(rf"Submitted at a workshop on {given.day} {given:%B}"))
    expect(page.locator(".idea-card", has_text="Water fountains")).to_be_visible()
    expect(page.locator(".idea-card", has_text="A skate ramp")).to_have_count(0)
    assert_accessible(page)
