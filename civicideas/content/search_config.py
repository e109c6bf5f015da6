"""PostgreSQL text search configurations per idea language."""

from __future__ import annotations

SEARCH_CONFIGS = {"en": "english", "fr": "french", "nl": "dutch"}
FALLBACK_CONFIG = "simple"


def search_config(language: str | None) -> str:
    return SEARCH_CONFIGS.get((language or "").split("-")[0], FALLBACK_CONFIG)
