"""Static files and uploads: where they are kept (local files or an object
store, ``civicideas/settings/storage.py``) and who serves them."""

from django.core.exceptions import ImproperlyConfigured

from .caches import PAGE_CACHE_SECONDS
from .environment import BASE_DIR, env
from .storage import default_storage_from_url, is_local

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Uploads: local files under MEDIA_ROOT, or an S3-compatible object store,
# private with signed URLs (civicideas/settings/storage.py, docs/operations.md).
MEDIA_STORAGE_URL = env("MEDIA_STORAGE_URL", default="")
STORAGES = {
    "default": default_storage_from_url(MEDIA_STORAGE_URL, media_root=MEDIA_ROOT),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A page kept by the page cache carries the URLs signed when it was rendered:
# they must outlive it by a margin, or cached pages show broken images.
_signed_expiry = STORAGES["default"].get("OPTIONS", {}).get("querystring_expire")
if _signed_expiry and _signed_expiry < 2 * PAGE_CACHE_SECONDS:
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE_URL: expire={_signed_expiry} must be at least twice "
        f"PAGE_CACHE_SECONDS ({PAGE_CACHE_SECONDS}): cached pages carry signed URLs."
    )
# Whether the platform answers MEDIA_URL itself (civicideas.media): yes for
# local files, unless a web server in front serves MEDIA_ROOT; never for an
# object store, whose signed URLs point at the store.
# Empty counts as unset (docker-compose passes every variable through).
SERVE_MEDIA = (
    env.bool("SERVE_MEDIA") if env.str("SERVE_MEDIA", default="") else is_local(STORAGES["default"])
)
