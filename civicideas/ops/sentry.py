"""Error tracking with Sentry, only when ``SENTRY_DSN`` is set.

Called from the settings (``civicideas/settings/monitoring.py``) so web processes,
Celery workers and management commands all report. Personal data stays on
the platform: ``send_default_pii`` is off, and ``scrub_event`` removes what
Sentry would still send or what an exception's context may hold:

* e-mail addresses anywhere in the event's strings (messages, exception
  values, local variables, breadcrumbs) become ``[email]``;
* cookies, ``Authorization``/``Cookie``/``X-Api-Key``-like headers, the query
  string and request bodies are dropped;
* the user is reduced to its id (no e-mail, name, username or IP address).

Without a DSN nothing is initialised: ``ADMINS`` e-mails are the fallback
(``civicideas.ops.logs.logging_config``).
"""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: Request headers that carry credentials or identify a person.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "cookie", "set-cookie", "x-api-key", "x-csrftoken", "proxy-authorization"}
)
#: Keys whose values are dropped in local variables, ``extra`` and breadcrumb
#: data (not in the event's own structure, where ``filename`` is a frame's file).
SENSITIVE_KEYS = re.compile(
    r"pass|secret|token|api_?key|auth|cookie|session|csrf|e_?mail|username|"
    r"first_name|last_name|full_name|display_name|^name$|phone|address",
    re.IGNORECASE,
)
#: Parts of an event holding application data, where keys are filtered.
DATA_KEYS = frozenset({"vars", "extra", "data"})
FILTERED = "[Filtered]"


def _scrub(value: Any, *, filter_keys: bool = False, depth: int = 0) -> Any:
    """Strings without e-mail addresses; below ``DATA_KEYS``, dicts without
    sensitive keys."""
    if depth > 30:
        return FILTERED
    if isinstance(value, str):
        return EMAIL.sub("[email]", value)
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if filter_keys and isinstance(key, str) and SENSITIVE_KEYS.search(key):
                cleaned[key] = FILTERED
            else:
                cleaned[key] = _scrub(
                    item, filter_keys=filter_keys or key in DATA_KEYS, depth=depth + 1
                )
        return cleaned
    if isinstance(value, list | tuple):
        return [_scrub(item, filter_keys=filter_keys, depth=depth + 1) for item in value]
    return value


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    headers = request.get("headers") or {}
    kept = {
        name: _scrub(value)
        for name, value in headers.items()
        if name.lower() not in SENSITIVE_HEADERS
    }
    cleaned = {
        key: _scrub(request[key]) for key in ("url", "method") if request.get(key) is not None
    }
    cleaned["headers"] = kept
    return cleaned


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's ``before_send``: the event without personal data (module docstring)."""
    user = event.get("user") or {}
    request = event.get("request")
    scrubbed = {
        key: _scrub(value, filter_keys=key in DATA_KEYS)
        for key, value in event.items()
        if key not in {"user", "request"}
    }
    if request:
        scrubbed["request"] = _scrub_request(request)
    if user.get("id") is not None:
        scrubbed["user"] = {"id": str(user["id"])}
    return scrubbed


def init_sentry(
    dsn: str, *, environment: str = "", release: str = "", traces_sample_rate: float = 0.0
) -> bool:
    """Initialise Sentry with the Django and Celery integrations; returns
    whether it did (not without a DSN)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        # Local variables help debugging, but they hold people's data too:
        # before_send scrubs them like everything else.
        include_local_variables=True,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )
    return True
