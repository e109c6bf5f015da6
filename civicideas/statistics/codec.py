"""The statistics payload as JSON and back, exactly.

JSON alone would turn dates into strings and the integer keys of the names
(``names["category"][12]``) into ``"12"``: a payload read back from the
database would then differ from the one computed, and lookups by id would
miss. So values JSON has no type for are tagged, and decoding restores
them. An unknown type raises on encoding, so a new kind of figure cannot
be stored silently wrong (tests/statistics/test_snapshot.py round-trips a
real payload).

Why not pickle: a pickle in the database runs code when loaded and cannot
be read with SQL; tagged JSON is inert and inspectable (``payload->'months'``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

#: The tag key: no figure or name key starts with "$".
TAG = "$t"


def encode(value: Any) -> Any:
    """``value`` as plain JSON types, tagging what JSON cannot hold."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, list | tuple):
        if isinstance(value, tuple):
            return {TAG: "tuple", "v": [encode(item) for item in value]}
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: encode(item) for key, item in value.items()}
        # Integer (or mixed) keys: pairs keep both the keys' types and order.
        return {TAG: "pairs", "v": [[encode(key), encode(item)] for key, item in value.items()]}
    raise TypeError(f"statistics payload: cannot store a {type(value).__name__}")


_DECODERS = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "decimal": Decimal,
}


def decode(value: Any) -> Any:
    """The inverse of ``encode``."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is None:
        return {key: decode(item) for key, item in value.items()}
    if tag == "pairs":
        return {decode(key): decode(item) for key, item in value["v"]}
    if tag == "tuple":
        return tuple(decode(item) for item in value["v"])
    return _DECODERS[tag](value["v"])
