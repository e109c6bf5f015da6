"""API tokens' part of a person's data in one city: which tokens they had
(the prefix by which they recognise one, never a secret or its hash)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from civicideas.apitokens.models import ApiToken


class ApiTokensContributor:
    label = "api_tokens"
    staff_fields: frozenset[str] = frozenset()

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        yield Records(
            "api_tokens",
            (
                {
                    "name": f"{t.key_prefix}…",
                    "created_at": iso(t.created_at),
                    "last_used_at": iso(t.last_used_at),
                    "revoked_at": iso(t.revoked_at),
                }
                for t in ApiToken.objects.filter(user=user).order_by("pk")
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        return None  # the tokens go with the account


CONTRIBUTOR = ApiTokensContributor()
