"""Cleaning user text before it is stored.

Text is stored as typed (rendering escapes it); this refuses what no person
types on purpose: NUL and other control characters, lone surrogates, the
replacement character left by invalid UTF-8, and lengths past the limit
(counted in characters, not bytes).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: object, *, field: str, max_length: int, required: bool) -> str:
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
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if required and not value:
        raise InvalidInput(_("%(field)s cannot be empty.") % {"field": field})
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is too long: %(length)d characters, at most %(max)d.")
            % {"field": field, "length": len(value), "max": max_length}
        )
    return value
