"""Bulk import: reading hostile files and checking rows (dry run)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from civicideas.errors import InvalidInput
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.importing.reader import MAX_ROWS, read_table
from ideas.importing.rows import guess_mapping
from ideas.models import Channel, Idea, ImportBatch
from ideas.services import imports
from tests.conftest import make_member
from tests.ideas.factories import CategoryFactory, ChallengeFactory, DistrictFactory, IdeaFactory

pytestmark = pytest.mark.django_db

HEADER = "title,description,category,district,email,consent\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


# --- the reader --------------------------------------------------------------


def test_utf8_with_and_without_bom():
    plain = read_table(name="a.csv", data="titre;texte\nUn banc;Près de l'école\n".encode())
    bom = read_table(
        name="a.csv", data="titre;texte\nUn banc;Près de l'école\n".encode("utf-8-sig")
    )
    assert plain == bom
    assert plain.headers == ["titre", "texte"]
    assert plain.rows == [["Un banc", "Près de l'école"]]


def test_latin1_is_refused_with_the_reason():
    with pytest.raises(InvalidInput, match="not in UTF-8"):
        read_table(name="a.csv", data="title,description\nCafé,Crème brûlée\n".encode("latin-1"))


def test_utf16_is_refused_with_the_reason():
    with pytest.raises(InvalidInput, match="UTF-16"):
        read_table(name="a.csv", data="title,description\nA,B\n".encode("utf-16"))


def test_binary_file_renamed_csv_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    with pytest.raises(InvalidInput, match="binary"):
        read_table(name="ideas.csv", data=png)
    with pytest.raises(InvalidInput, match="binary"):
        read_table(name="ideas.csv", data=b"PK\x03\x04" + b"x" * 100)


def test_empty_file_and_headers_only():
    with pytest.raises(InvalidInput, match="empty"):
        read_table(name="a.csv", data=b"")
    with pytest.raises(InvalidInput, match="empty"):
        read_table(name="a.csv", data=b"\n\n  \n")
    with pytest.raises(InvalidInput, match="no rows"):
        read_table(name="a.csv", data=HEADER.encode())


def test_100000_rows_refused_before_parsing_everything(monkeypatch):
    data = HEADER.encode() + b"A bench,By the river,,,,yes\n" * 100_000
    parsed = []
    import ideas.importing.reader as reader

    original = reader._cell
    monkeypatch.setattr(reader, "_cell", lambda v: parsed.append(1) or original(v))
    with pytest.raises(InvalidInput, match="more than 5,000 rows"):
        read_table(name="a.csv", data=data)
    assert len(parsed) <= (MAX_ROWS + 2) * 6


def test_too_large_file_is_refused():
    with pytest.raises(InvalidInput, match="larger than 5 MB"):
        read_table(name="a.csv", data=b"a" * (5 * 1024 * 1024 + 1))


def test_other_extension_refused():
    with pytest.raises(InvalidInput, match=r"\.csv or \.xlsx"):
        read_table(name="ideas.exe", data=b"title\nx\n")


def test_formula_cells_stay_plain_text():
    table = read_table(
        name="a.csv", data=csv_bytes('"=HYPERLINK(""http://evil"",""x"")",+1+2,-3,@SUM(A1),,yes')
    )
    assert table.rows[0][:4] == ['=HYPERLINK("http://evil","x")', "+1+2", "-3", "@SUM(A1)"]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_formulas_is_never_evaluated():
    data = xlsx_bytes(
        [
            ["Title", "Description", "Consent"],
            ["A bench", "=1+1", "yes"],
            ['=WEBSERVICE("http://evil")', "By the river", "yes"],
        ]
    )
    table = read_table(name="w.xlsx", data=data)
    # data_only: the value last computed by a spreadsheet; openpyxl wrote
    # none, so the formula gives an empty cell, never its text run.
    assert table.rows == [["A bench", "", "yes"], ["", "By the river", "yes"]]


def test_xlsx_numbers_and_dates_become_text():
    data = xlsx_bytes([["Title", "Description"], [12.0, timezone.datetime(2026, 3, 1)]])
    assert read_table(name="w.xlsx", data=data).rows == [["12", "2026-03-01"]]


def test_broken_xlsx_refused():
    with pytest.raises(InvalidInput, match="XLSX"):
        read_table(name="w.xlsx", data=b"PK\x03\x04garbage" * 10)
    with pytest.raises(InvalidInput, match="XLSX"):
        read_table(name="w.xlsx", data=b"title,description\n")


def test_header_guesses_in_three_languages():
    assert guess_mapping(["Titre", "Texte", "Catégorie", "Quartier", "Courriel", "Accord"]) == {
        "title": 0,
        "description": 1,
        "category": 2,
        "district": 3,
        "email": 4,
        "consent": 5,
    }
    nl = guess_mapping(["Titel", "Beschrijving", "Thema", "Wijk", "E-mailadres", "Toestemming"])
    assert list(nl.values()) == [0, 1, 2, 3, 4, 5]


# --- the dry run -------------------------------------------------------------


@pytest.fixture
def challenge(city):
    with city_context(city):
        challenge = ChallengeFactory(slug="green", title="A greener Riverton")
        CategoryFactory(name="Parks", slug="parks")
        DistrictFactory(name="Old Town", slug="old-town")
        return challenge


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR)


def upload(city, moderator, challenge, data, name="ideas.csv"):
    with city_context(city):
        return imports.import_batch_upload(
            by=moderator,
            challenge=challenge,
            channel=Channel.WORKSHOP,
            channel_date=timezone.localdate() - timedelta(days=2),
            language="en",
            file_name=name,
            data=data,
        )


def check(city, moderator, batch):
    with city_context(city):
        return imports.import_batch_check(batch=batch, by=moderator, mapping=batch.mapping)


def test_dry_run_reports_each_rows_problems_and_writes_no_idea(city, moderator, challenge):
    data = csv_bytes(
        "A bench,By the river,Parks,Old Town,,yes",
        "Trees,More trees,Unknown,,,yes",
        ",No title here,,,,yes",
        "No consent,Text,,,,no",
        f"{'x' * 151},Too long a title,,,,yes",
        "Bad mail,Text,,,not-an-address,yes",
        "A bench,By the river,Parks,Old Town,,yes",
        "Slugs work,Text,parks,old-town,,oui",
    )
    batch = check(city, moderator, upload(city, moderator, challenge, data))
    report = {row["number"]: row for row in batch.report}
    assert report[2]["errors"] == []
    assert "Unknown category “Unknown”." in report[3]["errors"]
    assert any("Title" in e for e in report[4]["errors"])
    assert report[5]["errors"] == ["The person's consent to publish is missing."]
    assert any("150" in e for e in report[6]["errors"])
    assert any("e-mail" in e for e in report[7]["errors"])
    assert report[8]["errors"] == ["Same row as line 2 of the file."]
    assert report[9]["errors"] == []
    assert imports.batch_summary(batch) == {"ready": 2, "errors": 6, "warnings": 0, "already": 0}
    with city_context(city):
        assert Idea.objects.count() == 0


def test_another_citys_category_names_and_ids_never_match(city, other_city, moderator, challenge):
    with city_context(other_city):
        foreign = CategoryFactory(name="Harbour", slug="harbour")
        foreign_district = DistrictFactory(name="Docks", slug="docks")
    data = csv_bytes(
        "One,Text,Harbour,,,yes",
        f"Two,Text,{foreign.pk},{foreign_district.pk},,yes",
        "Three,Text,harbour,docks,,yes",
    )
    batch = check(city, moderator, upload(city, moderator, challenge, data))
    for row in batch.report:
        assert any(e.startswith("Unknown category") for e in row["errors"])
    assert any(e.startswith("Unknown district") for e in batch.report[2]["errors"])


def test_similar_existing_idea_is_a_warning_with_its_link(city, moderator, challenge):
    with city_context(city):
        existing = IdeaFactory(challenge=challenge, title="A bench by the river")
        from ideas.services import _refresh_search_vector

        _refresh_search_vector(existing)
    batch = check(
        city,
        moderator,
        upload(city, moderator, challenge, csv_bytes("A bench by the river,Please,,,,yes")),
    )
    row = batch.report[0]
    assert row["errors"] == []
    assert row["warnings"] and row["warnings"][0]["url"] == f"/ideas/{existing.pk}/"


def test_mapping_must_name_the_required_columns(city, moderator, challenge):
    batch = upload(city, moderator, challenge, csv_bytes("A,B,,,,yes"))
    with city_context(city), pytest.raises(InvalidInput):
        imports.import_batch_check(
            batch=batch, by=moderator, mapping={"title": "0", "description": "1"}
        )
    with city_context(city), pytest.raises(InvalidInput):
        imports.import_batch_check(
            batch=batch, by=moderator, mapping={"title": "99", "description": "1", "consent": "5"}
        )


def test_upload_refuses_future_date_and_on_line_channel(city, moderator, challenge):
    with city_context(city), pytest.raises(InvalidInput):
        imports.import_batch_upload(
            by=moderator,
            challenge=challenge,
            channel=Channel.WEB,
            channel_date=timezone.localdate(),
            language="en",
            file_name="a.csv",
            data=csv_bytes("A,B,,,,yes"),
        )
    with city_context(city), pytest.raises(InvalidInput):
        imports.import_batch_upload(
            by=moderator,
            challenge=challenge,
            channel=Channel.PAPER,
            channel_date=timezone.localdate() + timedelta(days=1),
            language="en",
            file_name="a.csv",
            data=csv_bytes("A,B,,,,yes"),
        )
    with city_context(city):
        assert ImportBatch.objects.count() == 0
