"""One budget of password guesses per account and per client IP.

Every way of proving a password goes through here: the sign-in form
(allauth, through ``CityAccountAdapter.authenticate``; the admin's sign-in is
that same form, ``secure_admin_login``, and so is re-authentication) and
``POST /api/v1/auth/token/``. Before, the form and the API kept counters of
their own, so a guesser had both budgets and an account locked by the form
still got an API token.

Two counters, both fixed windows of ``LOGIN_FAILURE_WINDOW`` seconds that
start at the first failure:

* per account (the normalised email address, hashed, so it works for
  addresses that have no account and does not reveal which ones do):
  ``LOGIN_FAILURE_LIMIT`` failures lock the address;
* per client IP (as REST framework sees it, honouring ``API_NUM_PROXIES``):
  ``LOGIN_FAILURE_LIMIT_PER_IP`` failures lock the IP, across addresses.

A locked attempt is refused whatever the password: the right password does
not help, or a guesser could tell it from the answer. The refusal carries the
seconds until the window ends, which the callers send as ``Retry-After`` with
HTTP 429.

Each attempt takes its guess *before* the password is checked (atomic
``INCR``), so concurrent attempts cannot overshoot the budget; a correct
password gives the guess back to the IP counter and clears the account's
(its owner has proved the password), and a refused attempt takes nothing.
A password reset clears the account's counter too (``guesses_forget``).
Counters live in the default cache: Redis, or process memory while Redis is
down (``civicideas.ops.cache``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext
from rest_framework.throttling import BaseThrottle

from civicideas.errors import ServiceError
from civicideas.web import windows

PREFIX = "guesses"


class TooManyGuesses(ServiceError):
    """The account or the client IP has used its guesses; try again later."""

    status_code = 429
    code = "throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(gettext("Too many failed login attempts. Try again later."))
        self.retry_after = max(1, retry_after)


@dataclass(frozen=True)
class Guess:
    """A guess taken for one attempt: the counters it was counted in."""

    account_key: str
    ip_key: str


def client_ip(request: HttpRequest) -> str:
    """The client's address, the same one REST framework's throttles count
    (``REMOTE_ADDR``, or ``X-Forwarded-For`` behind ``API_NUM_PROXIES``
    trusted proxies; a forged header is ignored when there are none)."""
    return BaseThrottle().get_ident(request) or "unknown"


def _account_key(login: str) -> str:
    normalised = (login or "").strip().lower()
    digest = hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{PREFIX}:account:{digest}"


def _ip_key(request: HttpRequest) -> str:
    return f"{PREFIX}:ip:{client_ip(request)}"


def guess_take(*, request: HttpRequest, login: str) -> Guess:
    """Take one guess for an attempt at ``login``'s password from ``request``'s IP.

    Call before checking the password, then ``guess_succeeded`` if it was
    right. Raises ``TooManyGuesses`` (nothing taken) when the account or the
    IP has no guesses left.
    """
    window = settings.LOGIN_FAILURE_WINDOW
    now = time.time()
    guess = Guess(account_key=_account_key(login), ip_key=_ip_key(request))
    limits = {
        guess.account_key: settings.LOGIN_FAILURE_LIMIT,
        guess.ip_key: settings.LOGIN_FAILURE_LIMIT_PER_IP,
    }
    counted: list[str] = []
    for key, limit in limits.items():
        counted.append(key)
        if windows.count(key, window, now) > limit:
            # Stop at the first exhausted counter and give back what this
            # attempt took, so a refused attempt never pushes another counter
            # over its limit (which would refuse a concurrent, allowed one).
            for taken in counted:
                windows.uncount(taken)
            raise TooManyGuesses(windows.retry_after(key, window, now))
    return guess


def guess_succeeded(guess: Guess) -> None:
    """The password was right: the IP gets its guess back and the account's
    failures are forgotten. (The IP's other failures stay: a guesser could
    otherwise sign in to an account of their own between guesses.)"""
    windows.uncount(guess.ip_key)
    cache.delete_many([guess.account_key, f"{guess.account_key}:until"])


def guesses_forget(*, login: str) -> None:
    """Forget an account's failures, e.g. after its password was reset
    through the emailed link (which proves the owner's mailbox)."""
    key = _account_key(login)
    cache.delete_many([key, f"{key}:until"])
