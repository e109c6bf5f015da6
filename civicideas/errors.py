"""Errors that services raise when a rule says no.

Each carries a translated message meant for the person who tried; views turn
them into a form error or message with a 4xx status, the API into a 4xx
response body. A service never lets a rule violation become a 500.
"""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(ServiceError):
    status_code = 400
    code = "invalid"


class NotAllowed(ServiceError):
    status_code = 403
    code = "not_allowed"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"
