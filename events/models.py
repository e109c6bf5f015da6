"""Events of a city (workshops, info evenings, walks, market stands) and the
registrations of the people who come (issue 16, ``docs/events.md``).

An event belongs to a city and, optionally, to one of its challenges. Its
title and description are the city's default language; the other languages
are in ``translations`` (``civicideas.content.translations``). Times are
stored in UTC and shown in the city's zone (the request and task wrappers
activate it).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.concurrency import Versioned
from civicideas.content.translations import Translatable, localized_text
from civicideas.tenancy.models import TenantModel

TITLE_MAX = 150
TEXT_MAX = 5_000
#: Largest capacity an event may have (a stadium, not a typo of 10^9).
CAPACITY_MAX = 100_000


class EventQuerySet(models.QuerySet):
    def upcoming(self, now=None) -> EventQuerySet:
        """Not finished yet, soonest first."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now=None) -> EventQuerySet:
        """Finished, most recent first."""
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at", "-pk")

    def with_counts(self) -> EventQuerySet:
        """``registered`` and ``waitlisted`` counts in the same query."""
        return self.annotate(
            registered=Count("registrations", filter=Q(registrations__status="registered")),
            waitlisted=Count("registrations", filter=Q(registrations__status="waitlisted")),
        )


class Event(Translatable, Versioned, TenantModel):
    """Something the city organises where citizens take part in person (or
    on line too, when it is hybrid). Versioned: a colleague's stale admin
    form, or one read before the event was cancelled, is refused (409)."""

    translatable_fields = ("title", "description")

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        INFO_EVENING = "info_evening", _("Information evening")
        WALK = "walk", _("Walk")
        MARKET_STAND = "market_stand", _("Stand at the market")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    challenge = models.ForeignKey(
        "ideas.Challenge",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("challenge"),
        help_text=_("Leave empty for an event about the whole city."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKSHOP)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place_name = models.CharField(_("place"), max_length=150)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    step_free = models.BooleanField(_("step-free access"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    language_support = models.CharField(
        _("language support"),
        max_length=200,
        blank=True,
        help_text=_("For example: sign language interpreter, English and Arabic spoken."),
    )
    accessibility_notes = models.TextField(
        _("other accessibility information"), max_length=2_000, blank=True
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CAPACITY_MAX)],
        help_text=_("Leave empty for no limit."),
    )
    online_url = models.URLField(
        _("online link"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("For a hybrid event: where to join on line (http or https)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED, editable=False
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=500, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(city="city", _manager_class=models.Manager.from_queryset(EventQuerySet))

    class Meta(TenantModel.Meta):
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1, capacity__lte=CAPACITY_MAX),
                name="event_capacity_in_range",
            ),
        ]
        indexes = [models.Index(fields=["city", "ends_at"], name="event_city_ends_idx")]

    def __str__(self) -> str:
        return str(localized_text(self, "title"))

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def is_past(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class RegistrationQuerySet(models.QuerySet):
    def active(self) -> RegistrationQuerySet:
        return self.exclude(status=Registration.Status.CANCELLED)

    def waitlist(self) -> RegistrationQuerySet:
        """The waiting list in the order people joined it."""
        return self.filter(status=Registration.Status.WAITLISTED).order_by("created_at", "pk")


class Registration(TenantModel):
    """One person's place (or place in the queue) at an event. A cancelled
    registration stays as a record; registering again makes a new row, at
    the end of the waiting list if the event is full."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_registrations",
        verbose_name=_("person"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("moved up from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    attendance_marked_at = models.DateTimeField(_("attendance marked"), null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attendance marked by"),
    )

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(RegistrationQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status="cancelled"),
                name="registration_active_once",
            )
        ]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="registration_queue_idx"),
            models.Index(fields=["user", "event"], name="registration_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} — {self.user} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED
