"""Accounts' part of a person's data in one city: profile, roles, exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from civicideas.accounts.models import DataExport, Profile
from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from civicideas.tenancy.models import Membership


class AccountsContributor:
    label = "profile"
    staff_fields: frozenset[str] = frozenset()

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        yield Records(
            "profile",
            (
                {
                    "display_name": p.display_name,
                    "district": p.district,
                    "preferred_language": p.preferred_language,
                    "created_at": iso(p.created_at),
                }
                for p in Profile.objects.filter(user=user).order_by("pk")
            ),
        )
        yield Records(
            "roles",
            (
                {"roles": list(m.roles), "joined": iso(m.created_at)}
                for m in Membership.objects.filter(user=user).order_by("pk")
            ),
        )
        yield Records(
            "data_exports",
            (
                {"state": e.state, "asked": iso(e.created_at), "ready": iso(e.ready_at)}
                for e in DataExport.objects.filter(user=user).order_by("pk").iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        # The rows go with the account; the archives are files.
        names = [
            name
            for name in DataExport.objects.filter(user=user).values_list("file_name", flat=True)
            if name
        ]
        for name in names:
            transaction.on_commit(lambda name=name: default_storage.delete(name))


CONTRIBUTOR = AccountsContributor()
