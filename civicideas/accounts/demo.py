"""Demo data of accounts: the demo citizen's copy of their data is ready, so
the "export ready" notification and ``/me/export/`` can be tried at once."""

from __future__ import annotations

from typing import Any

from civicideas.accounts.export import build_export
from civicideas.accounts.export_requests import TooSoon, export_request
from civicideas.accounts.models import DataExport, User
from civicideas.tenancy.models import City


def seed(city: City, *, stdout: Any, password: str) -> None:
    """In the first city where it can (one export a day across cities): ask
    and build at once, as the worker would. Run again, it adds nothing."""
    user = User.objects.filter(email=f"citizen@{city.slug}.example").first()
    if user is None or DataExport.objects.filter(user=user).exists():
        return
    try:
        export = export_request(user=user)
    except TooSoon:
        return
    build_export(city=city, export_id=export.pk)
    stdout.write("  accounts: the demo citizen's data export is ready")
