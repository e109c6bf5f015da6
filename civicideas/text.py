"""User text: what counts as empty, and cleaning before it is stored.

One rule for every place people type a title, a comment, a name, an answer or
a reason -- forms, admin forms, API serializers and the services behind them:
**text made only of invisible characters is empty**. ``str.strip()`` removes
whitespace but not a zero-width space (U+200B), a word joiner (U+2060), a
soft hyphen (U+00AD), a byte-order mark (U+FEFF), bidi marks or variation
selectors, so a title of ``"\\u200b\\u2060\\u00ad"`` looked filled in to Django
and DRF and showed up as a blank line on the city's pages.

"Invisible" is Unicode's *Default_Ignorable_Code_Point* set (what renderers
draw as nothing), every format (Cf) character, whitespace and separators,
and the blank-looking letters used to fake empty names (the Hangul fillers
and the Braille blank). Text that also has one visible
character is kept exactly as typed (apart from ``clean_text``'s edge
whitespace strip).

The mechanisms built on the rule:

- :class:`VisibleCharField` (Django forms) and ``VisibleTextAdminMixin``
  (admin model forms, via :func:`as_visible`): invisible-only input is the
  empty value, so a required field says "This field is required.";
- ``civicideas.api.fields.VisibleCharField`` (DRF), the default for text
  model fields in ``civicideas.api.serializers.ModelSerializer``;
- :func:`clean_text` in the services: the last line, for callers that are not
  forms (tasks, commands, the demo).
"""

from __future__ import annotations

import copy
import datetime
import decimal
import json
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput

# Unicode 15 DerivedCoreProperties.txt, Default_Ignorable_Code_Point, plus the
# blank-looking letters (U+2800 BRAILLE PATTERN BLANK, Hangul fillers).
_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Not Cc: a NUL or other control character is refused as such (DRF's and
# Django's null-character validators, ``clean_text``), never silently emptied.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp"})

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_invisible_char(char: str) -> bool:
    """True for a character that renders as nothing (or as blank space)."""
    if char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def is_blank(value: str) -> bool:
    """True when ``value`` has no visible character (the empty string too)."""
    return all(is_invisible_char(char) for char in value)


def visible_or_empty(value: str) -> str:
    """``value`` stripped of edge whitespace, or ``""`` if nothing is visible."""
    return "" if is_blank(value) else value.strip()


class VisibleCharField(forms.CharField):
    """A form ``CharField`` for which invisible-only input is empty.

    A required field then fails with Django's own "This field is required.";
    an optional one stores its empty value instead of the invisible text.
    """

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if isinstance(value, str) and value and is_blank(value):
            return self.empty_value
        return value


def as_visible(field: forms.Field | None) -> forms.Field | None:
    """The same form field with the invisible-is-empty rule, when it is a
    plain ``forms.CharField`` (slug, e-mail, URL and choice fields have their
    own validation and are left alone). For generated (model) forms."""
    if field is None or type(field) is not forms.CharField:
        return field
    visible = copy.copy(field)
    visible.__class__ = VisibleCharField  # adds behaviour only, no state
    return visible


# What the mixin finds on the admin it is mixed into, for type checkers.
if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    _AdminBase = BaseModelAdmin[Any]
else:
    _AdminBase = object


class VisibleTextAdminMixin(_AdminBase):
    """Admin (and inline) model forms: every plain text field gets the
    invisible-is-empty rule (see :func:`as_visible`)."""

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        return as_visible(super().formfield_for_dbfield(db_field, request, **kwargs))


def clean_text(value: object, *, field: str, max_length: int, required: bool) -> str:
    """Clean user text before a service stores it.

    Text is stored as typed (rendering escapes it); this refuses what no person
    types on purpose: NUL and other control characters, lone surrogates, the
    replacement character left by invalid UTF-8, and lengths past the limit
    (counted in characters, not bytes). Invisible-only text is empty.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": field})
    if "\ufffd" in value:
        # What Django's decoder leaves of bytes that are not valid UTF-8.
        raise InvalidInput(
            _("%(field)s contains characters that could not be read; check the text's encoding.")
            % {"field": field}
        )
    if _FORBIDDEN.search(value):
        raise InvalidInput(
            _("%(field)s contains characters that are not allowed.") % {"field": field}
        )
    value = visible_or_empty(unicodedata.normalize("NFC", value.replace("\r\n", "\n")))
    if required and not value:
        raise InvalidInput(_("%(field)s cannot be empty.") % {"field": field})
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is too long: %(length)d characters, at most %(max)d.")
            % {"field": field, "length": len(value), "max": max_length}
        )
    return value


# --- hostnames in links ---------------------------------------------------

_URL_HOST = re.compile(r"(?i)\b(https?://)([^/?#\s<>\"'\\]+)")


def ascii_hostname(host: str) -> str:
    """``host`` in ASCII: a label with any non-ASCII character becomes its
    punycode (``xn--...``) form, so ``riverton.be`` written with a Cyrillic
    ``i`` (U+0456) reads ``xn--rverton-rog.be`` and cannot pass for the
    city's domain."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        # Not valid IDNA 2003 (a too-long label, a character nameprep
        # refuses): raw punycode per label still shows that it is foreign.
        return ".".join(
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in host.split(".")
        )


def _ascii_authority(authority: str) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    return f"{userinfo}{at}{ascii_hostname(host)}{colon}{port}"


def ascii_urls(text: str) -> str:
    """Every ``http(s)://`` URL in ``text`` (plain text or HTML, in
    attributes and in visible text alike) with its hostname in ASCII."""
    return _URL_HOST.sub(lambda m: m[1] + _ascii_authority(m[2]), text)


#: What a spreadsheet would run as a formula at the start of a cell.
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell: empty for None, ISO dates, and text neutralised (a leading
    ``'`` so a spreadsheet shows a formula-looking text instead of running it).
    Every CSV a person may open in a spreadsheet writes its cells through this."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.date | datetime.datetime):
        # In the city's zone (active inside ``city_context``), with its offset.
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat()
    if isinstance(value, dict | list):  # translations: JSON in one cell
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    text = str(value)
    if text.startswith(CSV_DANGEROUS):
        return "'" + text
    return text
