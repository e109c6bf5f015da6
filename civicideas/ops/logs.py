"""Log lines that say which request or task, city and person they belong to.

Every process logs to standard output through ``settings.LOGGING``: one JSON
object per line in production (``LOG_FORMAT=json``, what log shippers parse),
one readable line in development (``LOG_FORMAT=text``). Both carry the same
fields, added to every record by ``ContextFilter`` from a context variable:

* ``request_id``: the request's id (``X-Request-ID``, see ``request_log``), or
  in a Celery task the id of the request that queued it (``task_log``);
* ``city``: the slug of the current city (``city_context``), else the city of
  the request or task;
* ``user_id``: the signed-in person's id, only when the request already looked
  them up (reading ``request.user`` here would query the database from inside
  a log call). Never the e-mail address or the name;
* ``task_id`` and ``task``: in a Celery task.

A context variable (not thread-local state) carries this, so it is right in
threads, in Celery's prefork children and under ASGI alike.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported by the settings (logging_config): no Django import at load time.
    from django.http import HttpRequest

#: Attributes every LogRecord has; anything else on a record came from
#: ``extra=`` (or this module's filter) and is written as a field.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}
#: Fields the filter adds to every record, in the order the text format shows them.
CONTEXT_FIELDS = ("request_id", "city", "user_id", "task_id", "task")


@dataclass
class LogContext:
    """What the current request or task adds to its log lines."""

    request_id: str = ""
    request: HttpRequest | None = None
    task_id: str = ""
    task: str = ""
    city: str = ""


_context: ContextVar[LogContext | None] = ContextVar("civicideas_log_context", default=None)


def current_context() -> LogContext | None:
    return _context.get()


def current_request_id() -> str:
    """The id of the request (or of the request that queued the task) being
    served, or ``""`` outside both."""
    context = _context.get()
    return context.request_id if context is not None else ""


def enter_context(context: LogContext) -> Token:
    """Make ``context`` current; pass the token to ``leave_context``."""
    return _context.set(context)


def leave_context(token: Token | None) -> None:
    """Restore the context that was current before ``enter_context``."""
    if token is None:
        return
    try:
        _context.reset(token)
    except ValueError:  # entered in another context (a signal sent elsewhere)
        _context.set(None)


def _city_slug(context: LogContext | None) -> str:
    from civicideas.tenancy.context import current_city_or_none

    city = current_city_or_none()
    if city is not None:
        return city.slug
    if context is None:
        return ""
    if context.request is not None:
        city = getattr(context.request, "city", None)
        if city is not None:
            return city.slug
    return context.city


def _user_id(context: LogContext | None) -> int | None:
    if context is None or context.request is None:
        return None
    from civicideas.cache_policy import known_user

    user = known_user(context.request)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class ContextFilter(logging.Filter):
    """Adds request id, city, user id and task to every record (see the
    module docstring). Attach it to handlers: a logger's filters do not see
    records propagated from child loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        values = {
            "request_id": context.request_id if context else "",
            "city": _city_slug(context),
            "user_id": _user_id(context),
            "task_id": context.task_id if context else "",
            "task": context.task if context else "",
        }
        for name, value in values.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


#: Extras Django attaches that are objects, not fields: ``django.request``'s
#: ``request`` (its repr holds the query string) and ``django.server``'s socket.
_SKIPPED_EXTRAS = frozenset({"request", "server_time"})


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES
        and key not in _SKIPPED_EXTRAS
        and not key.startswith("_")
        and not hasattr(value, "META")  # any other request object
    }


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``,
    ``logger``, ``message``, the context fields that have a value, any
    ``extra=`` fields, and ``exc_info`` as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _extra_fields(record).items():
            if value not in ("", None):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``08:30:01 INFO civicideas.request [request_id=… city=riverton user_id=3]
    GET /ideas/ 200`` plus the other fields as ``key=value``: for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _extra_fields(record)
        context = " ".join(
            f"{name}={fields.pop(name)}"
            for name in CONTEXT_FIELDS
            if fields.get(name) not in ("", None)
        )
        for name in CONTEXT_FIELDS:
            fields.pop(name, None)
        extra = " ".join(f"{key}={value}" for key, value in fields.items())
        moment = datetime.fromtimestamp(record.created, tz=UTC).strftime("%H:%M:%S")
        line = f"{moment} {record.levelname:<7} {record.name}"
        if context:
            line += f" [{context}]"
        line += f" {record.getMessage()}"
        if extra:
            line += f" ({extra})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def logging_config(*, log_format: str, level: str, mail_admins: bool) -> dict[str, Any]:
    """``settings.LOGGING``: console output in ``log_format`` (``json`` or
    ``text``) at ``level``; with ``mail_admins``, errors are also e-mailed to
    ``ADMINS`` (the fallback when Sentry is not configured)."""
    formatter = "json" if log_format == "json" else "text"
    handlers: dict[str, Any] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": formatter,
            "filters": ["context"],
        }
    }
    root_handlers = ["console"]
    if mail_admins:
        handlers["mail_admins"] = {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        }
        root_handlers.append("mail_admins")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "civicideas.ops.logs.ContextFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "json": {"()": "civicideas.ops.logs.JSONFormatter"},
            "text": {"()": "civicideas.ops.logs.TextFormatter"},
        },
        "handlers": handlers,
        "root": {"handlers": root_handlers, "level": level},
        "loggers": {
            # Django's own loggers propagate to the root (and its handlers):
            # without this, Django's default config would also print them.
            "django": {"handlers": [], "level": level, "propagate": True},
            # Unknown hosts are answered with a 404 page; no need to log each one.
            "django.security.DisallowedHost": {"handlers": [], "propagate": False},
            # Our request line replaces django.server's and says more.
            "django.server": {"handlers": [], "propagate": False},
        },
    }
