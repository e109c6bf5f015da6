"""Serving uploads at ``MEDIA_URL`` when they live on this host.

With local files (``make run``, a single host, hosts sharing a volume) the
platform answers ``/media/<name>`` itself, streaming from ``default_storage``
— so it works with any storage (the test suite's in-memory one too), not
only with files on disk. With an object store ``SERVE_MEDIA`` is off and the
page links to the store's signed URLs instead; a web server in front may also
serve ``MEDIA_ROOT`` and switch this off (docs/operations.md).

Every upload we store is an image re-encoded by Pillow under a random name
(``civicideas.content.uploads``), but this view does not rely on it: only the image types
we produce are sent inline with their type; anything else is a download
(``application/octet-stream``, ``attachment``), under a policy that forbids
scripts and sandboxes the document, with ``nosniff`` (set for every response
by SecurityMiddleware), so an uploaded file can never run as a page of the
city's site.
"""

from __future__ import annotations

import contextlib
import posixpath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.utils.http import http_date
from django.views.decorators.http import require_safe

#: Extensions of the images ``civicideas.content.uploads`` (and the logo fields) store.
INLINE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
}
#: Names are random for re-encoded images, but a logo may keep its name when
#: replaced: an hour, then revalidation with Last-Modified.
MAX_AGE_SECONDS = 3600
#: Files under this prefix (data exports) are never served here: only their
#: owner's authenticated download page streams them (``accounts.export``).
PRIVATE_PREFIX = "private/"
MEDIA_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def storage_name(path: str) -> str | None:
    """The storage name for a URL path below MEDIA_URL, or None when it could
    escape the storage or is not a plain relative name (``..``, absolute,
    backslashes, NUL or control characters, empty segments)."""
    if not path or len(path) > 1024 or "\\" in path or any(ord(c) < 32 for c in path):
        return None
    if path.startswith("/") or posixpath.normpath(path) != path:
        return None
    if any(part in {"", ".", ".."} for part in path.split("/")):
        return None
    return path


@require_safe
def serve_media(request: HttpRequest, path: str) -> FileResponse:
    """Stream one stored file; 404 for anything missing, hostile or when the
    platform does not serve media (object storage)."""
    name = storage_name(path)
    if not settings.SERVE_MEDIA or name is None or name.startswith(PRIVATE_PREFIX):
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation, ValueError):
        raise Http404 from None
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = INLINE_TYPES.get(extension)
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
        filename=posixpath.basename(name),
    )
    response["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    response["Content-Security-Policy"] = MEDIA_POLICY
    with contextlib.suppress(NotImplementedError, OSError):
        response["Last-Modified"] = http_date(default_storage.get_modified_time(name).timestamp())
    return response
