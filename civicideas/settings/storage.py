"""Where uploads live, from one environment variable: ``MEDIA_STORAGE_URL``.

* unset, empty or ``file:`` — local files under ``MEDIA_ROOT``, served at
  ``MEDIA_URL`` by the platform itself (``civicideas.media``): development,
  a single host, or several hosts sharing one volume.
* ``s3://[KEY:SECRET@]bucket[/prefix]?endpoint_url=…&region=…`` — any
  S3-compatible object store (AWS S3, MinIO, Ceph RGW, Scaleway, OVH, Garage…)
  through django-storages. Credentials come from the URL or, better, from
  boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, an
  instance role). Query parameters: ``endpoint_url``, ``region``,
  ``addressing_style`` (``path`` for MinIO and most self-hosted stores),
  ``expire`` (seconds a signed URL stays valid, default 600),
  ``custom_domain`` (a CDN in front of the bucket: URLs are then unsigned, so
  only use it for a bucket whose objects are public on purpose).

Private by default: objects are written without an ACL (the bucket's own
policy, which should block public access, applies) and every URL the platform
renders is signed with a short expiry, so an object can be read only through
a page that showed it, for a few minutes. Nothing here imports Django
models, so the settings modules can call it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

#: How long a signed URL stays valid by default (seconds). Long enough for a
#: page to load lazily loaded images, short enough that a copied link dies.
DEFAULT_SIGNED_URL_EXPIRY = 600
#: boto3 timeouts: a dead object store must not hang a request or /readyz.
S3_CONNECT_TIMEOUT = 3
S3_READ_TIMEOUT = 10

_S3_QUERY_KEYS = {"endpoint_url", "region", "addressing_style", "expire", "custom_domain"}


def default_storage_from_url(url: str, *, media_root: Any) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry for ``MEDIA_STORAGE_URL``.

    Raises ``ImproperlyConfigured`` naming the problem (never echoing a
    secret) for an unknown scheme, a missing bucket or an unknown parameter,
    so a typo fails at start-up rather than at the first upload.
    """
    url = (url or "").strip()
    if not url or url in {"file:", "file://"}:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        }
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": unquote(parts.path) or str(media_root)},
        }
    if parts.scheme != "s3":
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL: unknown scheme {parts.scheme!r}; use file: or s3://bucket?…"
        )
    bucket = parts.hostname
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL: s3:// needs a bucket name (s3://bucket).")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - _S3_QUERY_KEYS)
    if unknown:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL: unknown parameter(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_S3_QUERY_KEYS))}."
        )
    try:
        expire = int(query.get("expire", DEFAULT_SIGNED_URL_EXPIRY))
    except ValueError:
        message = "MEDIA_STORAGE_URL: expire must be a number of seconds."
        raise ImproperlyConfigured(message) from None
    if not 1 <= expire <= 7 * 24 * 3600:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL: expire must be 1 to 604800 seconds.")

    from botocore.config import Config  # only needed (and installed) for S3

    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": parts.path.strip("/"),
        # Private: no ACL on upload, signed URLs, never overwrite a file.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": expire,
        "file_overwrite": False,
        "client_config": Config(
            connect_timeout=S3_CONNECT_TIMEOUT,
            read_timeout=S3_READ_TIMEOUT,
            retries={"max_attempts": 2, "mode": "standard"},
            signature_version="s3v4",
            s3={"addressing_style": query.get("addressing_style", "auto")},
        ),
    }
    if query.get("endpoint_url"):
        options["endpoint_url"] = query["endpoint_url"]
    if query.get("region"):
        options["region_name"] = query["region"]
    if query.get("custom_domain"):
        options["custom_domain"] = query["custom_domain"]
        options["querystring_auth"] = False
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def is_local(storage_entry: dict[str, Any]) -> bool:
    """Whether files of this ``STORAGES`` entry sit on this host's disk (and so
    must be served by the platform or the web server in front of it)."""
    return storage_entry["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def media_csp_sources(storage_entry: dict[str, Any]) -> list[str]:
    """Origins the Content Security Policy must allow images from, so pages
    can show uploads kept in an object store (none for local files, which
    are served from the page's own origin)."""
    if storage_entry["BACKEND"] != "storages.backends.s3.S3Storage":
        return []
    options = storage_entry["OPTIONS"]
    if options.get("custom_domain"):
        return [f"https://{options['custom_domain']}"]
    endpoint = options.get("endpoint_url")
    if endpoint:
        parts = urlsplit(endpoint)
        # Virtual-hosted addressing puts the bucket in front of the host.
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://*.{parts.netloc}"]
    return ["https://*.amazonaws.com"]
