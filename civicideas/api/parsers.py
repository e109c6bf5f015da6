"""JSON request bodies, with a size limit.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB by default; an idea is at
most about 20 kB of UTF-8) bounds request bodies. REST framework 3.16+ reads
JSON through ``request.body``, where Django enforces it (``RequestDataTooBig``,
answered 413 by ``civicideas.api.exceptions``); earlier versions and other
code paths read the raw stream, so this parser checks the limit itself too.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def max_body_size() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = max_body_size()
        request = (parser_context or {}).get("request")
        if request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestTooLarge()
        # The declared length may lie (or be absent with chunked bodies):
        # never read more than the limit allows.
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise RequestTooLarge()
        try:
            return super().parse(io.BytesIO(data), media_type, parser_context)
        except RecursionError:
            # Deeply nested arrays/objects ("[[[[…") exhaust the decoder's stack.
            raise exceptions.ParseError(_("The JSON is nested too deeply.")) from None
