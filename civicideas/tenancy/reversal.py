"""``reverse`` of a URL that takes one integer key, done once per URL name
and configuration (issue 17): a change list links every row, and Django's
``reverse`` (resolver lookups, quoting, the script prefix) was a tenth of
the comment and assignment lists' rows at 100,000 ideas. The key is put in
the place of a marker; digits need no quoting, so the result is exactly
``reverse``'s. Anything else (a string key, a URL the marker would not fit)
goes to ``reverse``."""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

#: Kept reversals; past this the memo starts afresh.
MAX_ENTRIES = 512
_PK_MARK = "0000"
_parts: dict[tuple[object, ...], tuple[str, str]] = {}


def reverse_pk(name: str, pk: object) -> str:
    """``reverse(name, args=[pk])``, the reversal itself once per ``name``."""
    if type(pk) is not int:
        return reverse(name, args=[pk])
    parts = pk_url_parts(name)
    if parts is None:
        return reverse(name, args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"


def pk_url_parts(name: str) -> tuple[str, str] | None:
    """The text of ``reverse(name, args=[pk])`` before and after an integer
    ``pk``, for the current URL configuration, script prefix and language;
    None when the key does not fit in one place. A page that links many
    rows asks once and writes each row's URL itself."""
    key = (name, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language())
    parts = _parts.get(key)
    if parts is None:
        url = reverse(name, args=[_PK_MARK])
        if url.count(_PK_MARK) != 1:
            return None
        before, _mark, after = url.partition(_PK_MARK)
        if len(_parts) >= MAX_ENTRIES:
            _parts.clear()
        parts = _parts[key] = (before, after)
    return parts
