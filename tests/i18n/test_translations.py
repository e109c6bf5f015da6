"""French and Dutch are shipped complete: every message of our code and
templates is translated, nothing is fuzzy, and the committed ``.mo`` files
are compiled from the ``.po`` files as they are (the app uses the ``.mo``)."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LANGUAGES = ("fr", "nl")
LOCALE = Path(settings.LOCALE_PATHS[0])
# What makemessages reads: the project's own code and templates.
SOURCES = (
    "civicideas",
    "ideas",
    "evaluation",
    "sponsors",
    "projects",
    "exchange",
    "events",
    "templates",
)
ENTRY_LINE = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: enough for the files makemessages writes."""
    entries: list[Entry] = []
    entry, last = Entry(), None

    def flush() -> None:
        nonlocal entry, last
        if last is not None or entry.flags:
            entries.append(entry)
        entry, last = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        if not line:
            flush()
            continue
        if line.startswith("#,"):
            if last is not None:  # a new entry began without a blank line
                flush()
            entry.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if last is not None and last.startswith("msgstr"):
                flush()
            continue
        if line.startswith('"'):
            _append(entry, last, ast.literal_eval(line))
            continue
        match = ENTRY_LINE.match(line)
        assert match, f"{path}: cannot read {raw!r}"
        keyword, value = match.group(1), ast.literal_eval(match.group(2))
        if keyword in ("msgctxt", "msgid") and last is not None and last.startswith("msgstr"):
            flush()
        last = keyword
        _append(entry, keyword, value, new=True)
    flush()
    return entries


def _append(entry: Entry, keyword: str | None, value: str, new: bool = False) -> None:
    if keyword is None:
        raise ValueError("continuation line before any keyword")
    if keyword.startswith("msgstr"):
        index = int(keyword[7:-1]) if "[" in keyword else 0
        entry.msgstr[index] = ("" if new else entry.msgstr.get(index, "")) + value
    else:
        setattr(entry, keyword, ("" if new else getattr(entry, keyword) or "") + value)


def messages(language: str) -> list[Entry]:
    """The catalog's real messages: no header, no obsolete entries."""
    entries = parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    return [e for e in entries if e.msgid and not e.obsolete]


def test_the_po_reader_reads_what_it_should(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "Hello %(n)s"\nmsgstr "Bonjour"\n\n'
        'msgctxt "menu"\nmsgid "File"\nmsgstr ""\n"Fichier"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n',
        encoding="utf-8",
    )
    header, fuzzy, file, plural, old = parse_po(po)
    assert header.msgid == "" and header.msgstr[0] == "Language: fr\n"
    assert fuzzy.flags == {"fuzzy", "python-format"} and fuzzy.msgstr == {0: "Bonjour"}
    assert file.key == ("menu", "File") and file.msgstr[0] == "Fichier"
    assert plural.msgid_plural == "many" and plural.msgstr == {0: "un", 1: ""}
    assert old.obsolete and old.msgid == "Old"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = messages(language)
    assert len(entries) > 100, "the catalog looks truncated"
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{language}: untranslated: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_has_all_the_forms_of_its_language(language):
    """French has three plural forms (one, many, other): a message with two
    showed English for 2 and more ("2 people waiting" on a French page)."""
    header = parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")[0].msgstr[0]
    forms = int(re.search(r"nplurals=(\d+)", header).group(1))
    short = [
        e.msgid
        for e in messages(language)
        if e.msgid_plural
        and sorted(i for i, text in e.msgstr.items() if text) != list(range(forms))
    ]
    assert not short, f"{language}: plural forms missing: {short}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_header_is_not_fuzzy_and_names_the_language(language):
    header = parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert f"Language: {language}\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language):
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%%")
    for entry in messages(language):
        for index, text in entry.msgstr.items():
            source = entry.msgid_plural if index and entry.msgid_plural else entry.msgid
            wanted = sorted(set(placeholder.findall(source)))
            assert sorted(set(placeholder.findall(text))) == wanted, (language, entry.msgid)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language):
    """The committed .mo holds exactly the .po's messages: nothing stale."""
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    expected: dict = {}
    for entry in messages(language):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    compiled = {k: v for k, v in catalog._catalog.items() if k != ""}
    assert compiled == expected, (
        f"locale/{language}/LC_MESSAGES/django.mo is stale: run "
        "`manage.py compilemessages --ignore '.venv/*'`"
    )


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_po_file_passes_msgfmt_check(language):
    """msgfmt --check: format strings in translations match their msgid."""
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_no_message_of_the_code_is_missing_from_the_catalogs(tmp_path):
    """Run makemessages on a copy of the sources: it must find nothing new."""
    root = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "static", "media")
    for name in SOURCES:
        if (root / name).is_dir():
            shutil.copytree(root / name, tmp_path / name, ignore=ignore)
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    shutil.copytree(LOCALE, tmp_path / "locale")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"-l{lang}" for lang in LANGUAGES)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for language in LANGUAGES:
        known = {e.key for e in messages(language)}
        fresh = parse_po(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        missing = sorted(
            e.msgid for e in fresh if e.msgid and not e.obsolete and e.key not in known
        )
        assert not missing, (
            f"{language}: messages missing from the catalog; run `make messages` and "
            f"translate them: {missing}"
        )
