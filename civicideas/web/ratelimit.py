"""Limits against abuse on the browser forms, per person and per client IP.

One mechanism for every form that writes (an idea, a comment, a report, a
support toggled, an offer, a group) — ``limit_take(request, "comment")``
before the write. Each action has two budgets in ``settings.FORM_RATE_LIMITS``
(``{"comment": ("20/h", "60/h")}``: per person, per IP), fixed windows that
start at the first counted request, kept in the default cache (Redis; process
memory while Redis is down, ``civicideas.ops.cache``) like the password-guess
budget of ``civicideas.accounts.guesses``. A spent budget raises
``RateLimited``, a ``ServiceError`` with status 429 that
``civicideas.web.decorators.service_errors`` (and ``rate_limited_response``)
turn into the 429 page with ``Retry-After``; htmx requests get the message as
a fragment.

Sign-up and password reset are allauth's forms: allauth's own
``ACCOUNT_RATE_LIMITS`` counts them (set in settings), and its refusal is
this module's page through ``handler429`` in the root URLconf.

A take is counted before validation: a flood of invalid posts costs its sender
too. A refused take counts nothing.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, gettext_lazy
from rest_framework.throttling import BaseThrottle

from civicideas.errors import ServiceError
from civicideas.web import windows

PREFIX = "formlimit"

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}

#: What the refusal says, per action (the budget is named in people's words).
MESSAGES = {
    "idea": gettext_lazy("You have submitted many ideas in a short time."),
    "comment": gettext_lazy("You have posted many comments in a short time."),
    "flag": gettext_lazy("You have sent many reports in a short time."),
    "support": gettext_lazy("You have changed your support many times in a short time."),
    "offer": gettext_lazy("You have made many offers in a short time."),
    "group": gettext_lazy("You have created many groups in a short time."),
}


class RateLimited(ServiceError):
    """The person or their IP has used this form's budget; try again later."""

    status_code = 429
    code = "throttled"

    def __init__(self, action: str, retry_after: int) -> None:
        what = MESSAGES.get(action, gettext_lazy("You have sent many requests in a short time."))
        super().__init__(f"{what} {gettext('Please wait before trying again.')}")
        self.action = action
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """``"5/h"``, ``"20/10m"``, ``"100/d"``: how many per how long."""
    count, _, period = text.strip().partition("/")
    unit = period[-1:]
    multiple = period[:-1] or "1"
    if unit not in _PERIODS or not count.isdigit() or not multiple.isdigit():
        raise ValueError(f"Not a rate: {text!r} (write it like 5/h or 20/10m)")
    return Rate(count=int(count), seconds=int(multiple) * _PERIODS[unit])


def rates_for(action: str) -> tuple[Rate | None, Rate | None]:
    """The per-person and per-IP rates of ``action`` (``None``: no limit)."""
    per_person, per_ip = settings.FORM_RATE_LIMITS[action]
    return (
        parse_rate(per_person) if per_person else None,
        parse_rate(per_ip) if per_ip else None,
    )


def client_ip(request: HttpRequest) -> str:
    """The address REST framework's throttles and the guess budget count."""
    return BaseThrottle().get_ident(request) or "unknown"


def _keys(request: HttpRequest, action: str) -> tuple[str | None, str]:
    user = getattr(request, "user", None)
    person = f"{PREFIX}:{action}:user:{user.pk}" if user and user.is_authenticated else None
    ip_digest = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    return person, f"{PREFIX}:{action}:ip:{ip_digest}"


def limit_take(request: HttpRequest, action: str) -> None:
    """Count one ``action`` by ``request``'s person and IP, or raise ``RateLimited``.

    Call in the view before the write (only for POST). The person's budget is
    checked first; a refusal gives back what the attempt took, so a refused
    request never spends another budget.
    """
    per_person, per_ip = rates_for(action)
    person_key, ip_key = _keys(request, action)
    now = time.time()
    taken: list[str] = []
    for key, rate in ((person_key, per_person), (ip_key, per_ip)):
        if key is None or rate is None:
            continue
        taken.append(key)
        if windows.count(key, rate.seconds, now) > rate.count:
            for counted in taken:
                windows.uncount(counted)
            raise RateLimited(action, windows.retry_after(key, rate.seconds, now))


def limit_reset(request: HttpRequest, action: str) -> None:
    """Forget ``request``'s counters for ``action`` (tests, support staff)."""
    keys = [key for key in _keys(request, action) if key]
    cache.delete_many([*keys, *(f"{key}:until" for key in keys)])


def rate_limited_response(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """The 429 page (an htmx request gets only the message) with ``Retry-After``."""
    minutes = max(1, (error.retry_after + 59) // 60)
    context = {"message": error.message, "retry_after_minutes": minutes, "form_limit": True}
    template = "429.html#refusal" if getattr(request, "htmx", False) else "429.html"
    response = TemplateResponse(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler429`` of the root URLconf: allauth's refusals (sign-up,
    password reset, e-mail confirmation) in the site's 429 page.

    allauth does not say which rate was hit nor when its window ends, so the
    answer names the longest window of the configured account limits."""
    retry_after = settings.ACCOUNT_RATE_LIMIT_RETRY_AFTER
    message = " ".join(
        [
            gettext("You have made this request many times in a short time."),
            gettext("Please wait before trying again."),
        ]
    )
    error = RateLimited("account", retry_after)
    error.message = message
    return rate_limited_response(request, error)
