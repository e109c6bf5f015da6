"""Limits and choices several of the sponsors models share."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX = 150
SUMMARY_MAX = 300
TEXT_MAX = 10_000
#: Largest quantity anyone may ask for or offer (1e9 EUR, hours, m², ...).
QUANTITY_MAX = Decimal("1000000000")
QTY = {"max_digits": 14, "decimal_places": 2}


class ResourceType(models.TextChoices):
    """What a need asks for and what a sponsor offers."""

    FUNDING = "funding", _("Funding")
    SPACE = "space", _("Space")
    EXPERTISE = "expertise", _("Expertise")
    MATERIALS = "materials", _("Materials")
    VOLUNTEERS = "volunteers", _("Volunteers")
    OTHER = "other", _("Other")


class Unit(models.TextChoices):
    EUR = "eur", _("EUR")
    HOURS = "hours", _("hours")
    SQM = "m2", _("m²")
    PEOPLE = "people", _("people")
    ITEMS = "items", _("items")
