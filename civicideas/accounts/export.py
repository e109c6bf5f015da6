"""A person's data export: asked on a page, built by a task, downloaded once ready.

``accounts.export_requests.export_request`` (the page's service) allows one
export a day per person, across cities, and queues ``accounts.build_export``
after commit. The task calls ``build_export`` here, which writes a ZIP of
JSON files (one folder per city, one sub-folder per app's contributor,
``civicideas.accounts.personal_data``) plus the person's images and a
README in their language. Memory stays constant whatever the account's
size: rows are read with ``iterator()`` and written one by one into a
temporary file, images are copied in chunks, the archive is handed to the
storage as a file, and the download streams it back (``FileResponse``).

The archive's name holds a 256-bit random token and lives under
``private/``, which ``civicideas.media`` never serves: it is reachable only
through the owner's download page, for ``VALID_FOR`` after it is ready. A
beat task (``accounts.purge_exports``) deletes expired archives.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from civicideas.accounts import notifications as kinds
from civicideas.accounts.erasure import cities_of
from civicideas.accounts.models import DataExport, Profile, User
from civicideas.accounts.personal_data import Records, StoredFile, contributors, iso
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import city_context
from civicideas.tenancy.models import City

logger = logging.getLogger(__name__)

VALID_FOR = timedelta(hours=24)
PREFIX = "private/exports"
_COPY_CHUNK = 64 * 1024


def storage_name(export: DataExport) -> str:
    return f"{PREFIX}/{export.token}.zip"


def _write_json(archive: zipfile.ZipFile, name: str, rows: Iterable[dict[str, Any]]) -> None:
    with archive.open(name, "w", force_zip64=True) as handle:
        handle.write(b"[")
        for index, row in enumerate(rows):
            handle.write(b",\n  " if index else b"\n  ")
            handle.write(json.dumps(row, ensure_ascii=False, default=str).encode())
        handle.write(b"\n]\n")


def _copy_file(archive: zipfile.ZipFile, arcname: str, name: str) -> None:
    try:
        source = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        logger.warning("Export: stored file %s is missing; skipped.", name)
        return
    with source, archive.open(arcname, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, _COPY_CHUNK)


def _account_rows(user: User) -> list[dict[str, Any]]:
    from allauth.account.models import EmailAddress

    return [
        {
            "email": user.email,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "is_active": user.is_active,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        }
    ]


def write_archive(user: User, handle: IO[bytes], *, language: str) -> None:
    """Write the person's whole archive into ``handle`` (a binary file)."""
    cities = cities_of(user)
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with translation.override(language):
            readme = render_to_string(
                "accounts/export_readme.txt",
                {"user": user, "cities": cities, "now": timezone.now(), "valid_for": 24},
            )
        archive.writestr("README.txt", readme)
        _write_json(archive, "account.json", _account_rows(user))
        for city in cities:
            with city_context(city):
                for contributor in contributors():
                    folder = f"{city.slug}/{contributor.label}"
                    for item in contributor.export(user):
                        if isinstance(item, Records):
                            _write_json(archive, f"{folder}/{item.name}.json", item.rows)
                        elif isinstance(item, StoredFile):
                            _copy_file(archive, f"{folder}/{item.arcname}", item.storage_name)


def _language_of(user: User, city: City) -> str:
    language = (
        Profile.objects.filter(user=user, city=city)
        .values_list("preferred_language", flat=True)
        .first()
    )
    return language or city.default_language


def build_export(*, city: City, export_id: int) -> DataExport | None:
    """Build one export (the task's body). Idempotent: an export no longer
    pending is left alone. Each phase runs in its own transaction, so a big
    archive does not hold one open while it is written."""
    with city_context(city):
        export = DataExport.objects.filter(pk=export_id).select_related("user").first()
        if export is None or export.state != DataExport.State.PENDING:
            return export
        user = export.user
        language = _language_of(user, city)
    with tempfile.TemporaryFile() as handle:
        write_archive(user, handle, language=language)
        size = handle.tell()
        handle.seek(0)
        name = default_storage.save(storage_name(export), File(handle, name="export.zip"))
    now = timezone.now()
    with city_context(city):
        updated = DataExport.objects.filter(pk=export.pk, state=DataExport.State.PENDING).update(
            state=DataExport.State.READY,
            file_name=name,
            size=size,
            ready_at=now,
            expires_at=now + VALID_FOR,
        )
        if not updated:  # a concurrent run finished first
            default_storage.delete(name)
            return export
        notify(recipient_ids=[user.pk], kind=kinds.EXPORT_READY, about=export)
    return export


def export_mark_failed(*, export_id: int) -> None:
    DataExport.objects.filter(pk=export_id, state=DataExport.State.PENDING).update(
        state=DataExport.State.FAILED
    )


@transaction.atomic
def exports_purge() -> int:
    """Delete the current city's expired archives (their rows stay, marked
    expired, so the one-a-day rule still sees them)."""
    expired = list(
        DataExport.objects.filter(state=DataExport.State.READY, expires_at__lte=timezone.now())
        .select_for_update(skip_locked=True)
        .values_list("pk", "file_name")
    )
    for _pk, name in expired:
        if name:
            transaction.on_commit(lambda name=name: default_storage.delete(name))
    DataExport.objects.filter(pk__in=[pk for pk, _name in expired]).update(
        state=DataExport.State.EXPIRED, file_name=""
    )
    return len(expired)
