"""City-authored text in each of the city's languages (issue 13).

A translatable model keeps its ordinary columns (``title``, ``summary``, ...)
for the text in the **city's default language** and a ``translations``
JSON column for the other languages::

    {"nl": {"title": "Groenere pleinen", "summary": "..."}, "en": {...}}

So ``challenge.title`` keeps meaning what every service, e-mail and search
already read (the default-language text, which the admin requires), and a
page asks for the visitor's language with :func:`localized`, which falls back
to the default-language text and says which language it returned, so the
template can mark it with ``lang`` (WCAG 3.1.2). Why this and not
django-modeltranslation: ``docs/architecture.md`` ("Content in several
languages").

Citizens' ideas and comments are not translatable: they stay in the language
they were written in (their ``language`` column).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.context import current_city_or_none
from civicideas.text import is_blank

#: Language codes a translation may be stored under (the platform's).
PLATFORM_CODES = frozenset(code for code, _name in settings.LANGUAGES)


class Translatable(models.Model):
    """Abstract base: ``translations`` plus the names of the fields it covers.

    Put it first among the bases (``class Challenge(Translatable, Versioned,
    TenantModel)``); the model's own ``Meta`` keeps inheriting
    ``TenantModel.Meta``.
    """

    #: Model fields written per language; the column holds the default language.
    translatable_fields: ClassVar[tuple[str, ...]] = ()

    translations = models.JSONField(
        _("translations"),
        default=dict,
        # Rows written by code that predates the column (migrations' historical
        # models, raw SQL) get an empty object too.
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        editable=False,
        help_text=_("Texts in the city's other languages, by language code."),
    )

    class Meta:
        abstract = True


def primary_code(code: str | None) -> str:
    """``fr-BE`` → ``fr``."""
    return (code or "").split("-")[0].split("_")[0].lower()


def default_language_of(obj: Any) -> str:
    """The language of ``obj``'s ordinary columns: its city's default.

    Reads the current city when it is ``obj``'s, so a page listing many rows
    makes no query per row.
    """
    if hasattr(obj, "default_language") and hasattr(obj, "languages"):
        return obj.default_language  # a City itself
    city = current_city_or_none()
    city_id = getattr(obj, "city_id", None)
    if city is not None and city_id in (None, city.pk):
        return city.default_language  # a new row gets the current city
    if city_id is None:
        return settings.LANGUAGE_CODE
    return obj.city.default_language


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return not is_blank(value)
    if isinstance(value, (list, dict)):
        return bool(value)
    return True


def _stored(obj: Any) -> dict[str, dict[str, Any]]:
    stored = getattr(obj, "translations", None)
    return stored if isinstance(stored, dict) else {}


@dataclass(frozen=True)
class Localized:
    """A text and the language it is in. Renders as the text."""

    text: Any
    language: str

    def __str__(self) -> str:
        return "" if self.text is None else str(self.text)

    def __bool__(self) -> bool:
        return _present(self.text)

    @property
    def lang_attr(self) -> SafeString:
        """`` lang="fr"`` when the text is not in the page's language."""
        if not self.language or primary_code(self.language) == primary_code(get_language()):
            return mark_safe("")
        return format_html(' lang="{}"', self.language)


def localized(obj: Any, field: str, language: str | None = None) -> Localized:
    """``obj.<field>`` in ``language`` (the active one by default), else in
    the city's default language, with the language it is actually in."""
    default = default_language_of(obj)
    wanted = primary_code(language or get_language()) or default
    if wanted != default:
        value = _stored(obj).get(wanted, {})
        value = value.get(field) if isinstance(value, dict) else None
        if _present(value):
            return Localized(value, wanted)
    return Localized(getattr(obj, field), default)


def localized_text(obj: Any, field: str, language: str | None = None) -> Any:
    """Only the text of :func:`localized` (for ``__str__``, e-mails, choices)."""
    return localized(obj, field, language).text


def all_languages(obj: Any, field: str) -> dict[str, Any]:
    """Every language ``obj.<field>`` is written in, default first: what the
    API and open data expose next to the plain field."""
    default = default_language_of(obj)
    texts: dict[str, Any] = {default: getattr(obj, field)}
    stored = _stored(obj)
    for code in sorted(stored):
        entry = stored[code]
        if code != default and code in PLATFORM_CODES and isinstance(entry, dict):
            value = entry.get(field)
            if _present(value):
                texts[code] = value
    return texts


def set_translation(obj: Any, language: str, values: dict[str, Any]) -> None:
    """Store ``values`` (field → text) for ``language`` on ``obj`` (not saved).

    Empty values remove the field's translation; the default language's text
    goes to the ordinary columns. Unknown fields or languages are refused:
    callers validate input first, so this is a programming error.
    """
    unknown = set(values) - set(type(obj).translatable_fields)
    if unknown or language not in PLATFORM_CODES:
        raise ValueError(f"Not translatable: {sorted(unknown) or language}")
    if language == default_language_of(obj):
        for field, value in values.items():
            setattr(obj, field, value)
        return
    stored = {code: dict(entry) for code, entry in _stored(obj).items() if isinstance(entry, dict)}
    entry = stored.setdefault(language, {})
    for field, value in values.items():
        if _present(value):
            entry[field] = value
        else:
            entry.pop(field, None)
    obj.translations = {code: entry for code, entry in stored.items() if entry}


def translations_for(codes: Iterable[str], obj: Any) -> dict[str, dict[str, Any]]:
    """The stored translations of ``obj`` restricted to ``codes``."""
    stored = _stored(obj)
    return {code: dict(stored[code]) for code in codes if isinstance(stored.get(code), dict)}
