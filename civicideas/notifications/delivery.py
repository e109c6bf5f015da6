"""Delivering notifications of the current city: claim, choose, render, send.

``deliver(ids)`` runs inside a task's ``city_context`` (one transaction):

1. **Claim.** ``SELECT ... FOR UPDATE SKIP LOCKED`` on the ids that are still
   ``pending`` and due. A second worker holding the same chunk (a duplicate
   message, the sweep re-queueing a slow backlog) skips the locked rows, and
   once the first commits they are no longer pending: one email, not two.
   Ids of another city are invisible here (ORM scope and row-level security)
   and are refused, so a message for city B run as city A sends nothing.
2. **Choose.** The recipient's preference for the kind (``preferences``):
   immediately → email now; daily/weekly → wait for the digest; off → in-app
   only. People outside the kind's audience, inactive accounts and unknown
   kinds are never emailed.
3. **Send** HTML and plain text in the recipient's language, from the city's
   name, with a one-click unsubscribe per kind (``List-Unsubscribe``).
   Temporary SMTP errors leave the row pending with an exponential backoff;
   they come back in the ``Outcome`` (``retries``) and the task queues a
   retry message after its commit. Permanent ones, or too many attempts,
   mark it ``failed`` with the error, shown in the admin and retryable from
   there.

The claim and the outcome commit together. If the worker dies between the
SMTP server accepting a message and that commit, the row is still pending
and is sent again on redelivery: at-least-once at the edge, the narrowest
window possible without two-phase commit with the SMTP server.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, models, transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.timezone import get_current_timezone

from civicideas.accounts.models import Profile
from civicideas.notifications.kinds import Kind, get_kind
from civicideas.notifications.mime import NotificationEmail
from civicideas.notifications.models import DIGEST_CHANNELS, Channel, Notification
from civicideas.notifications.preferences import channel_for, chosen_channels, roles_of
from civicideas.notifications.unsubscribe import make_token
from civicideas.ops.metrics import DELIVERIES
from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import City
from civicideas.tenancy.urls import city_url
from civicideas.web.branding import brand_palette

logger = logging.getLogger(__name__)
State = Notification.State


def max_attempts() -> int:
    return getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5)


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: base, 2 * base, 4 * base... capped at an hour."""
    base = getattr(settings, "NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
    return float(min(base * 2 ** max(attempts - 1, 0), 3600))


def is_transient(error: BaseException) -> bool:
    """Whether trying again later may succeed (4xx replies, lost connections)."""
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPException):
        return False
    # Socket errors: refused, reset, timed out, name resolution.
    return isinstance(error, OSError)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


# --- rendering ------------------------------------------------------------------


def languages_of(city: City, user_ids: Iterable[int]) -> dict[int, str]:
    """Each person's language in the city: their profile's choice when the
    city offers it, else the city's default (one query)."""
    offered = set(city.languages or ())
    rows = Profile.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "preferred_language"
    )
    return {user_id: lang for user_id, lang in rows if lang and lang in offered}


def sender(city: City) -> str:
    """The city's name with the platform's address (SPF/DKIM stay the platform's)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((city.name, address or "noreply@localhost"))


class Frame:
    """A rendered layout with two holes: the body and the unsubscribe link.

    The markers are random per process and made of letters and digits, so
    escaping leaves them alone; the layout is split on them once, and a
    message is the static pieces joined with its own (already rendered and
    escaped) body and link. Recipient text is never searched for markers:
    it is only ever inserted between pieces.
    """

    BODY = f"body{secrets.token_hex(12)}"
    UNSUBSCRIBE = f"unsubscribe{secrets.token_hex(12)}"

    def __init__(self, rendered: str) -> None:
        if rendered.count(self.BODY) != 1:
            raise ValueError("An email layout must show {{ body }} exactly once.")
        self.pieces = re.split(f"({self.BODY}|{self.UNSUBSCRIBE})", rendered)

    def fill(self, body: str, unsubscribe_url: str) -> str:
        holes = {self.BODY: body, self.UNSUBSCRIBE: unsubscribe_url}
        return "".join(holes[piece] if i % 2 else piece for i, piece in enumerate(self.pieces))


@dataclass
class Mailer:
    """What every message of one task shares: the city, its URLs, its sender,
    its brand colours and the compiled email templates.

    One task renders up to a few hundred messages for one city, so whatever
    does not depend on the recipient is computed once here (profiled: looking
    templates up and recomputing the palette per message cost about a tenth of
    the rendering).
    """

    city: City
    base_url: str = ""
    preferences_url: str = ""
    inbox_url: str = ""
    from_email: str = ""
    reply_to: list[str] | None = None
    brand: Any = None
    _templates: dict[str, Any] = field(default_factory=dict, repr=False)
    _frames: dict[tuple[str, str], Frame] = field(default_factory=dict, repr=False)
    _connection: Any = field(default=None, repr=False)

    @classmethod
    def for_current_city(cls) -> Mailer:
        city = current_city()
        return cls(
            city=city,
            base_url=city_url(city, "/").rstrip("/"),
            preferences_url=city_url(city, reverse("notifications:preferences")),
            inbox_url=city_url(city, reverse("notifications:list")),
            from_email=sender(city),
            reply_to=[city.contact_email] if city.contact_email else None,
            brand=brand_palette(city.colour),
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path if path.startswith('/') else '/' + path}"

    def unsubscribe_url(self, user_id: int, kind: str) -> str:
        token = make_token(user_id=user_id, city_id=self.city.pk, kind=kind)
        return self.url(reverse("notifications:unsubscribe", args=[token]))

    def template(self, name: str) -> Any:
        """The compiled template, looked up once per task (through the
        engine's loaders, so the cached loader and DIRS apply as usual)."""
        compiled = self._templates.get(name)
        if compiled is None:
            compiled = self._templates[name] = get_template(name)
        return compiled

    def frame(self, extension: str, language: str) -> Frame:
        """The layout (``_layout.html`` / ``.txt``) of this city in this language,
        rendered once per task; only the body and the unsubscribe link differ
        per recipient (profiled: the layout was four fifths of the rendering)."""
        key = (extension, language)
        frame = self._frames.get(key)
        if frame is None:
            context = {
                "city": self.city,
                "brand": self.brand,
                "city_url": self.url("/"),
                "preferences_url": self.preferences_url,
                "inbox_url": self.inbox_url,
                "language": language,
                "body": Frame.BODY,
                "unsubscribe_url": Frame.UNSUBSCRIBE,
            }
            with translation.override(language):
                layout = self.template(f"notifications/email/_layout.{extension}")
                frame = self._frames[key] = Frame(layout.render(context))
        return frame

    def message(
        self,
        *,
        to: str,
        user_id: int,
        language: str,
        template: str,
        context: dict[str, Any],
        subject: str,
        unsubscribe_kind: str,
    ) -> EmailMultiAlternatives:
        """One email in ``language``. Call inside ``translation.override(language)``
        (``deliver`` and ``build_digests`` group recipients by language)."""
        unsubscribe_url = self.unsubscribe_url(user_id, unsubscribe_kind)
        context = {
            "city": self.city,
            "city_url": self.url("/"),
            "preferences_url": self.preferences_url,
            "inbox_url": self.inbox_url,
            "language": language,
            **context,
        }
        text = self.frame("txt", language).fill(
            self.template(f"notifications/email/{template}.txt").render(context),
            unsubscribe_url,
        )
        # Django would set Date from a datetime, parsed anew per message; as a
        # string it is the same header, parsed once per second (mime caches).
        zone = get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
        date = format_datetime(datetime.now(zone))
        html = self.frame("html", language).fill(
            self.template(f"notifications/email/{template}.html").render(context),
            escape(unsubscribe_url),
        )
        message = NotificationEmail(
            subject=" ".join(str(subject).split()),
            body=text,
            from_email=self.from_email,
            to=[to],
            reply_to=self.reply_to,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
                "Content-Language": language,
                "Date": date,
            },
        )
        message.attach_alternative(html, "text/html")
        return message

    def notification_message(
        self, notification: Notification, kind: Kind, language: str
    ) -> EmailMultiAlternatives:
        """Call inside ``translation.override(language)``."""
        return self.message(
            to=notification.recipient.email,
            user_id=notification.recipient_id,
            language=language,
            template="notification",
            subject=kind.subject(notification.payload),
            unsubscribe_kind=kind.key,
            context={
                "kind": kind,
                "summary": kind.text(notification.payload),
                "details": kind.detail_items(notification.payload),
                "link": self.url(kind.link(notification)),
            },
        )

    # One SMTP connection per task, reopened after an error. Messages go one
    # per ``send_messages`` call on that open connection: Django's SMTP backend
    # loops over a list the same way, so a list saves nothing, but the first
    # refused message of a list would abort the rest and hide which ones the
    # server accepted, and each notification needs its own outcome.
    def send(self, message: EmailMultiAlternatives) -> None:
        if self._connection is None:
            self._connection = mail.mailers.default
            self._connection.open()
        try:
            self._connection.send_messages([message])
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # closing a broken connection
                logger.debug("Closing the mail connection failed.", exc_info=True)
            self._connection = None


# --- writing outcomes -----------------------------------------------------------

_SQL_TYPES = {
    "CharField": "text",
    "TextField": "text",
    "PositiveSmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "DateTimeField": "timestamptz",
}


def bulk_set(model: type[models.Model], rows: Sequence[Any], fields: Sequence[str]) -> None:
    """Write these fields of these rows in one ``UPDATE ... FROM unnest(...)``.

    ``bulk_update`` builds a ``CASE WHEN id = ...`` per row and field, which
    costs more than sending the emails of a batch; this is one statement
    with one array per column. Row-level security applies as to any query.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns, types, arrays = [], [], []
    for name in fields:
        model_field = model._meta.get_field(name)
        if not isinstance(model_field, models.Field) or model_field.column is None:
            raise TypeError(f"{model.__name__}.{name} is not a column.")
        columns.append(connection.ops.quote_name(model_field.column))
        types.append(_SQL_TYPES[model_field.get_internal_type()])
        arrays.append([getattr(row, name) for row in rows])
    assignments = ", ".join(f"{column} = v.c{i}" for i, column in enumerate(columns))
    unnest = ", ".join(["%s::bigint[]", *(f"%s::{t}[]" for t in types)])
    names = ", ".join(["id", *(f"c{i}" for i in range(len(columns)))])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from the model
            f"FROM unnest({unnest}) AS v({names}) WHERE t.id = v.id",
            [[row.pk for row in rows], *arrays],
        )


# --- delivery ---------------------------------------------------------------------


COUNTS = ("sent", "digest", "skipped", "retry", "failed", "refused")


@dataclass
class Outcome:
    sent: int = 0
    digest: int = 0
    skipped: int = 0
    retry: int = 0
    failed: int = 0
    refused: int = 0
    #: The ids to try again, by backoff delay (seconds): the task that ran
    #: the delivery queues them after its commit (``tasks.deliver_notifications``).
    retries: dict[float, list[int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}


def count_outcome(outcome: Outcome) -> None:
    """Add a delivery run's outcome to ``civicideas_notification_deliveries``."""
    for name in ("sent", "failed", "retry", "digest", "skipped"):
        if value := getattr(outcome, name):
            DELIVERIES.labels(outcome=name).inc(value)


def deliver(ids: Sequence[int]) -> Outcome:
    """Deliver these notifications of the current city (see the module docstring)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deliver() must run inside city_context (a city task).")
    outcome = Outcome()
    now = timezone.now()
    claimed = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=list(ids), state=State.PENDING, due_at__lte=now)
        .select_related("recipient")
        .order_by("pk")
    )
    outcome.refused = len(set(ids)) - len(claimed)
    if not claimed:
        return outcome
    mailer = Mailer.for_current_city()
    city = mailer.city
    user_ids = {n.recipient_id for n in claimed}
    choices = chosen_channels(user_ids)
    kinds = {n.kind: get_kind(n.kind) for n in claimed}
    needs_roles = any(k is not None and k.roles for k in kinds.values())
    roles = roles_of(user_ids) if needs_roles else {}
    languages = languages_of(city, user_ids)
    retries: dict[float, list[int]] = defaultdict(list)
    # One language switch per language in the chunk, not two per message.
    by_language: dict[str, list[Notification]] = defaultdict(list)
    for notification in claimed:
        language = languages.get(notification.recipient_id, city.default_language)
        by_language[language].append(notification)
    try:
        for language, group in by_language.items():
            with translation.override(language):
                for notification in group:
                    _deliver_one(
                        notification,
                        kinds.get(notification.kind),
                        mailer,
                        choices,
                        roles,
                        language,
                        now,
                        outcome,
                        retries,
                    )
    finally:
        mailer.close()
    bulk_set(
        Notification, claimed, ["state", "channel", "attempts", "last_error", "due_at", "sent_at"]
    )
    count_outcome(outcome)
    outcome.retries = dict(retries)
    return outcome


def _deliver_one(
    notification: Notification,
    kind: Kind | None,
    mailer: Mailer,
    choices: dict[tuple[int, str], str],
    roles: dict[int, set[str]],
    language: str,
    now: Any,
    outcome: Outcome,
    retries: dict[float, list[int]],
) -> None:
    recipient = notification.recipient
    if kind is None:
        notification.state, notification.last_error = State.SKIPPED, "Unknown kind."
        outcome.skipped += 1
        return
    if not recipient.is_active or not recipient.email:
        notification.state, notification.last_error = State.SKIPPED, "Inactive recipient."
        outcome.skipped += 1
        return
    if kind.roles and not kind.may_receive(roles.get(recipient.pk, set())):
        notification.state = State.SKIPPED
        notification.last_error = "Recipient no longer holds a role that receives this kind."
        outcome.skipped += 1
        return
    channel = channel_for(choices, recipient.pk, kind)
    notification.channel = channel
    if channel == Channel.OFF:
        notification.state = State.SKIPPED
        outcome.skipped += 1
        return
    if channel in DIGEST_CHANNELS:
        notification.state = State.DIGEST
        outcome.digest += 1
        return
    notification.attempts += 1
    try:
        mailer.send(mailer.notification_message(notification, kind, language))
    except Exception as error:  # noqa: BLE001 - classified, recorded, never lost
        notification.last_error = describe(error)
        if is_transient(error) and notification.attempts < max_attempts():
            delay = backoff(notification.attempts)
            notification.due_at = now + timedelta(seconds=delay)
            retries[delay].append(notification.pk)
            outcome.retry += 1
            logger.info("Notification %s: temporary error, retry in %ss.", notification.pk, delay)
        else:
            notification.state = State.FAILED
            outcome.failed += 1
            logger.warning("Notification %s failed: %s", notification.pk, notification.last_error)
        return
    notification.state = State.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    outcome.sent += 1
