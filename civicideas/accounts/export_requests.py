"""Asking for one's data export (``/me/export/``): one a day per person,
across cities; the archive is built by the ``accounts.build_export`` task
(``civicideas.accounts.export``), queued after the request commits.

This module sits above the task: it queues it, the task calls
``export.build_export``, and ``export`` knows no task.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from civicideas.accounts import tasks
from civicideas.accounts.models import DataExport, User
from civicideas.errors import ServiceError
from civicideas.tenancy.context import all_cities_context, current_city

#: One export per person in this window (failed ones do not count).
RATE_WINDOW = timedelta(days=1)


class TooSoon(ServiceError):
    status_code = 429
    code = "too_soon"


def latest_export(user: Any) -> DataExport | None:
    """The person's latest export in the current city."""
    return DataExport.objects.filter(user=user).order_by("-created_at", "-pk").first()


@transaction.atomic
def export_request(*, user: Any) -> DataExport:
    """Ask for a new export in the current city; refused (429) when the
    person asked for one less than a day ago in any city. The user row is
    locked, so two clicks at once make one export."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    since = timezone.now() - RATE_WINDOW
    with all_cities_context():
        last = (
            DataExport.objects.filter(user=user, created_at__gte=since)
            .exclude(state=DataExport.State.FAILED)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
    if last is not None:
        when = formats.date_format(timezone.localtime(last + RATE_WINDOW), "DATETIME_FORMAT")
        raise TooSoon(
            _("You can ask for one export a day; ask again after %(when)s.") % {"when": when}
        )
    city = current_city()
    export = DataExport.objects.create(city=city, user=user, token=secrets.token_urlsafe(32))
    transaction.on_commit(lambda: tasks.build_export.delay(city.pk, export.pk))
    return export
