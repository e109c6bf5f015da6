"""The challenge's printable poster and paper form (PDF), read back as text."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from civicideas.tenancy import city_context
from ideas.models import Challenge
from tests.conftest import host_of
from tests.ideas.factories import CategoryFactory, ChallengeFactory, DistrictFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def challenge(city):
    with city_context(city):
        challenge = ChallengeFactory(
            slug="green",
            title="A greener Riverton",
            summary="How can we bring more trees to our streets?",
            ideas_deadline=datetime(2027, 3, 12, 16, 0, tzinfo=UTC),
            results_date=datetime(2027, 6, 1, 10, 0, tzinfo=UTC),
            translations={
                "fr": {
                    "title": "Une Riverton plus verte",
                    "summary": "Comment amener plus d'arbres dans nos rues ? Idées à déposer.",
                }
            },
        )
        trees, benches = CategoryFactory(name="Trees"), CategoryFactory(name="Benches")
        trees.translations = {"fr": {"name": "Arbres élevés"}}
        trees.save()
        challenge.categories.add(trees, benches)
        DistrictFactory(name="Old Town")
        return challenge


def _text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    return "\n".join(page.extract_text() for page in reader.pages)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_poster_in_english_has_question_dates_and_address(city_client, challenge):
    text = _squash(_text(city_client.get("/challenges/green/poster.pdf")))
    assert "Riverton" in text
    assert "A greener Riverton" in text
    assert "How can we bring more trees to our streets?" in text
    # 16:00 UTC is 17:00 in Brussels (the city's zone) in March.
    assert "12 March 2027, 17:00" in text
    assert "1 June 2027" in text
    assert "How to take part" in text
    assert "http://riverton.localhost" in text and "/challenges/green/" in text


def test_poster_in_french_with_lang(city_client, challenge):
    response = city_client.get("/challenges/green/poster.pdf?lang=fr")
    assert response["Content-Language"] == "fr"
    text = _squash(_text(response))
    assert "Une Riverton plus verte" in text
    assert "Comment amener plus d'arbres dans nos rues ? Idées à déposer." in text
    assert "12 mars 2027" in text
    assert "juin 2027" in text


def test_poster_follows_the_page_language(city, challenge):
    from django.test import Client

    client = Client(HTTP_HOST=host_of(city), HTTP_ACCEPT_LANGUAGE="fr")
    text = _squash(_text(client.get("/challenges/green/poster.pdf")))
    assert "Une Riverton plus verte" in text


def test_form_lists_fields_and_choices(city_client, challenge):
    text = _squash(_text(city_client.get("/challenges/green/form.pdf?lang=en")))
    for label in (
        "Idea form",
        "How can we bring more trees to our streets?",
        "Description",
        "Category (tick one)",
        "Trees",
        "Benches",
        "District (tick one)",
        "Old Town",
        "Place or address (optional)",
        "contact@riverton.example",
    ):
        assert label in text, label


def test_form_in_french_prints_accents(city_client, challenge):
    text = _squash(_text(city_client.get("/challenges/green/form.pdf?lang=fr")))
    assert "Arbres élevés" in text
    assert "Idées à déposer" in text


def test_form_is_one_page(city_client, challenge):
    from pypdf import PdfReader as Reader

    response = city_client.get("/challenges/green/form.pdf")
    assert len(Reader(io.BytesIO(response.content)).pages) == 1


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("CI"),
    reason="pdftoppm is not installed (make test installs poppler-utils; CI requires it)",
)
def test_poster_renders_to_a_non_blank_image(city_client, challenge, tmp_path):
    from PIL import Image

    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(city_client.get("/challenges/green/poster.pdf").content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    low, high = image.getextrema()
    assert low < 100 and high > 200


def test_challenge_page_links_to_the_pdfs(city_client, challenge):
    page = city_client.get("/challenges/green/").content.decode()
    assert 'href="/challenges/green/poster.pdf"' in page
    assert 'href="/challenges/green/form.pdf"' in page


@pytest.mark.parametrize("kind", ["poster", "form"])
def test_hostile_requests(city, other_city, city_client, challenge, kind):
    with city_context(other_city):
        ChallengeFactory(slug="lakes")
    with city_context(city):
        ChallengeFactory(slug="secret", phase=Challenge.Phase.DRAFT)
    assert city_client.get(f"/challenges/nope/{kind}.pdf").status_code == 404
    assert city_client.get(f"/challenges/lakes/{kind}.pdf").status_code == 404
    assert city_client.get(f"/challenges/secret/{kind}.pdf").status_code == 404
    for lang in ("de", "xx", "", "fr" * 500, "<script>"):
        response = city_client.get(f"/challenges/green/{kind}.pdf", {"lang": lang})
        assert response.status_code == 400
        assert b"en (English)" in response.content
    assert city_client.post(f"/challenges/green/{kind}.pdf").status_code == 405


def test_language_the_city_does_not_offer(other_city):
    """Lakeside prints in French and English; Dutch is the platform's, not its."""
    from django.test import Client

    with city_context(other_city):
        ChallengeFactory(slug="lakes")
    client = Client(HTTP_HOST=host_of(other_city))
    assert client.get("/challenges/lakes/poster.pdf?lang=nl").status_code == 400
    assert client.get("/challenges/lakes/poster.pdf?lang=fr").status_code == 200


def test_without_dejavu_helvetica_still_prints_accents(city_client, challenge, settings, tmp_path):
    """The fallback when the machine has no DejaVu (docs/offline.md): the PDF
    base font, whose WinAnsi encoding covers French and Dutch."""
    from ideas.printing import layout

    settings.PRINT_FONT_DIR = str(tmp_path)
    layout.fonts.cache_clear()
    try:
        assert layout.fonts() == ("Helvetica", "Helvetica-Bold")
        text = _squash(_text(city_client.get("/challenges/green/form.pdf?lang=fr")))
        assert "Arbres élevés" in text
        assert "Idées à déposer" in text
    finally:
        layout.fonts.cache_clear()
