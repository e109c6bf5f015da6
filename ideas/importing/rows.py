"""Which column is which field, and what is wrong with each row.

Used by the dry run (``ideas.services.imports.import_batch_check``) and by
the import itself, so the preview shows exactly what the import will do.
Categories and districts are looked up among the current city's rows only
(the scoped managers), by name (any language) or slug: another city's
names and ids never match.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput
from civicideas.text import clean_text
from ideas.models import BODY_MAX, TITLE_MAX, Category, Challenge, District, ImportedIdea

#: The fields a column can be mapped to, in the order of the mapping form.
FIELDS = ("title", "description", "category", "district", "email", "consent")
REQUIRED_FIELDS = ("title", "description", "consent")

#: Header names (accents, case and punctuation ignored) that pick a column
#: by default, in English, French and Dutch.
HEADER_GUESSES: dict[str, tuple[str, ...]] = {
    "title": ("title", "titre", "titel", "idea", "idee", "subject", "sujet", "onderwerp"),
    "description": (
        "description",
        "body",
        "text",
        "texte",
        "tekst",
        "beschrijving",
        "omschrijving",
        "details",
    ),
    "category": ("category", "categorie", "theme", "thema", "topic"),
    "district": ("district", "quartier", "wijk", "neighbourhood", "neighborhood", "buurt"),
    "email": ("email", "mail", "courriel", "adresseemail", "emailadres", "emailaddress"),
    "consent": ("consent", "consentement", "accord", "toestemming", "akkoord", "publish"),
}

YES = {"yes", "y", "true", "1", "x", "oui", "o", "ja", "j", "ok", "✓", "✔", "v"}


def consented(cell: str) -> bool:
    """A yes in the consent column: yes/oui/ja/true/1/x or a tick."""
    return cell.strip().casefold() in YES or _key(cell) in YES


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """The column index for each field whose header looks like it."""
    keys = [_key(h) for h in headers]
    mapping: dict[str, int | None] = {}
    for name in FIELDS:
        mapping[name] = next((i for i, key in enumerate(keys) if key in HEADER_GUESSES[name]), None)
    return mapping


def fingerprint(*, challenge: Challenge, row: list[str]) -> str:
    """Stable per row content and challenge: the same row imported twice
    (same file again, or repeated in one file) has the same fingerprint."""
    payload = json.dumps([challenge.pk, [" ".join(cell.split()) for cell in row]])
    return hashlib.sha256(payload.encode()).hexdigest()


class _Lookup:
    """Names, translated names and slugs of this city's categories or
    districts (restricted to the challenge's, when it has some)."""

    def __init__(self, rows: list[Any]) -> None:
        self.by_key: dict[str, Any] = {}
        for row in rows:
            names = [row.name, row.slug]
            for value in (getattr(row, "translations", None) or {}).values():
                if isinstance(value, dict):
                    names.extend(str(v) for v in value.values() if v)
                elif value:
                    names.append(str(value))
            for name in names:
                self.by_key.setdefault(_key(name), row)

    def find(self, text: str) -> Any:
        return self.by_key.get(_key(text)) if _key(text) else None


@dataclass
class RowCheck:
    number: int  # line in the file (the header is line 1)
    fingerprint: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    already_imported: bool = False

    def as_report(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": str(self.values.get("title", ""))[:80],
            "errors": self.errors,
            "warnings": self.warnings,
            "already_imported": self.already_imported,
        }


def clean_mapping(raw: dict[str, Any], width: int) -> dict[str, int | None]:
    mapping: dict[str, int | None] = {}
    for name in FIELDS:
        value = raw.get(name)
        if value in (None, ""):
            mapping[name] = None
            continue
        try:
            index = int(value)
        except (TypeError, ValueError) as error:
            raise InvalidInput(_("Choose a column of the file for each field.")) from error
        if not 0 <= index < width:
            raise InvalidInput(_("Choose a column of the file for each field."))
        mapping[name] = index
    for name in REQUIRED_FIELDS:
        if mapping[name] is None:
            raise InvalidInput(
                _("Choose the columns for the title, the description and the consent.")
            )
    return mapping


class RowChecker:
    """Checks rows of one batch against one challenge of the current city."""

    def __init__(self, *, challenge: Challenge, mapping: dict[str, int | None]) -> None:
        self.challenge = challenge
        self.mapping = mapping
        categories = list(challenge.categories.all()) or list(Category.objects.all())
        districts = list(challenge.districts.all()) or list(District.objects.all())
        self.categories = _Lookup(categories)
        self.districts = _Lookup(districts)
        self.seen: dict[str, int] = {}
        self.imported: set[str] = set()

    def load_imported(self, rows: list[list[str]]) -> None:
        """Which of these rows some import already created: one query
        for the whole file instead of one per row."""
        prints = [fingerprint(challenge=self.challenge, row=row) for row in rows]
        self.imported = set(
            ImportedIdea.objects.filter(fingerprint__in=prints).values_list(
                "fingerprint", flat=True
            )
        )

    def _cell(self, row: list[str], name: str) -> str:
        index = self.mapping.get(name)
        return row[index] if index is not None and index < len(row) else ""

    def check(self, row: list[str], number: int, *, similar: bool = True) -> RowCheck:
        check = RowCheck(number=number, fingerprint=fingerprint(challenge=self.challenge, row=row))
        title = self._cell(row, "title")
        check.values["title"] = title
        try:
            check.values["title"] = clean_text(
                title, field=_("Title"), max_length=TITLE_MAX, required=True
            )
        except InvalidInput as error:
            check.errors.append(error.message)
        try:
            check.values["body"] = clean_text(
                self._cell(row, "description"),
                field=_("Description"),
                max_length=BODY_MAX,
                required=True,
            )
        except InvalidInput as error:
            check.errors.append(error.message)
        for name, lookup, message in (
            ("category", self.categories, _("Unknown category “%(value)s”.")),
            ("district", self.districts, _("Unknown district “%(value)s”.")),
        ):
            text = self._cell(row, name)
            found = lookup.find(text) if text else None
            if text and found is None:
                check.errors.append(message % {"value": text[:80]})
            check.values[name] = found
        email = self._cell(row, "email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                check.errors.append(
                    _("“%(value)s” is not an e-mail address.") % {"value": email[:80]}
                )
        check.values["email"] = email
        if not consented(self._cell(row, "consent")):
            check.errors.append(_("The person's consent to publish is missing."))
        earlier = self.seen.setdefault(check.fingerprint, number)
        if earlier != number:
            check.errors.append(_("Same row as line %(line)s of the file.") % {"line": earlier})
        if check.fingerprint in self.imported:
            check.already_imported = True
        elif similar and not check.errors:
            self._similar(check)
        return check

    def _similar(self, check: RowCheck) -> None:
        from ideas.search import similar_ideas

        for idea in similar_ideas(challenge=self.challenge, text=check.values["title"], limit=1):
            check.warnings.append(
                {
                    "text": _("Looks like the idea “%(title)s”; it will be imported anyway.")
                    % {"title": idea.title},
                    "url": reverse("ideas:idea", args=[idea.pk]),
                }
            )
