"""The notification kinds of accounts (registered in ``AccountsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicideas.notifications.kinds import Kind
from civicideas.notifications.models import Channel


def export_link(notification: Any) -> str:
    return reverse("accounts:export")


EXPORT_READY = Kind(
    "export_ready",
    _("Your data export is ready"),
    _("The copy of your data you asked for is ready; download it within 24 hours."),
    Channel.IMMEDIATELY,
    export_link,
)

KINDS = (EXPORT_READY,)
