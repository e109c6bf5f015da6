"""The notification outbox, people's preferences and digest runs.

A domain change that must tell someone writes ``Notification`` rows in the
same transaction as the change (``civicideas.notifications.outbox.notify``);
delivery (email, in-app) happens after commit and is retried by a periodic
sweep, so a broker outage delays messages but never loses them. See
``docs/notifications.md``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.tenancy.models import TenantModel


class Channel(models.TextChoices):
    """How a person wants one kind of notification by email (in-app always)."""

    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("In the daily digest")
    WEEKLY = "weekly", _("In the weekly digest")
    OFF = "off", _("Off (only on this site)")


DIGEST_CHANNELS = (Channel.DAILY, Channel.WEEKLY)


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user: models.Model) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def pending(self) -> NotificationQuerySet:
        return self.filter(state=Notification.State.PENDING)


class Notification(TenantModel):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DIGEST = "digest", _("Waiting for a digest")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not emailed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    # What it is about, as "app_label.model:pk", without a generic FK so the
    # outbox never joins into other apps' tables.
    subject_ref = models.CharField(_("about"), max_length=120, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # The channel chosen at delivery (the person's preference at that time).
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the next delivery attempt is due (creation, then the retry backoff).
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    digest = models.ForeignKey(
        "DigestRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("digest"),
    )

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(NotificationQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sweep: pending rows by due time.
            models.Index(
                fields=["city", "due_at"],
                name="notification_due_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The bell: unread count of one person in one city.
            models.Index(
                fields=["recipient", "city"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            # Digests: who has something waiting, per channel.
            models.Index(
                fields=["city", "channel", "recipient"],
                name="notification_digest_idx",
                condition=models.Q(state="digest"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(TenantModel):
    """A person's choice for one kind in one city; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("email"), max_length=12, choices=Channel.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "user", "kind"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


class DigestRun(TenantModel):
    """One digest email for one person and one period.

    The unique constraint is the claim: a digest task that runs twice (beat
    fired twice, a redelivered message, two workers) inserts the same row,
    finds it already sent or locked, and sends nothing.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        EMPTY = "empty", _("Nothing to send")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_runs",
        verbose_name=_("user"),
    )
    period = models.CharField(_("period"), max_length=12, choices=Channel.choices)
    period_key = models.CharField(_("period key"), max_length=12)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    notification_count = models.PositiveIntegerField(_("notifications"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "user", "period", "period_key"], name="digest_run_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_key} → {self.user_id}"
