"""Local development: debug on, a throw-away secret, plain HTTP on port 8000,
emails printed to the console."""

from .base import *  # noqa: F403
from .base import STORAGES, env, mailer_from_url

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789")
PUBLIC_URL_SCHEME = env("PUBLIC_URL_SCHEME", default="http")
PUBLIC_URL_PORT = env.int("PUBLIC_URL_PORT", default=8000)
MAILERS = {"default": mailer_from_url(env("EMAIL_URL", default="consolemail://"))}
# The demo relaxes email verification so the seeded accounts can log in and
# new sign-ups can be tried without a mail server.
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
# Uploads as in base (local files under MEDIA_ROOT unless MEDIA_STORAGE_URL
# says otherwise), served by the platform at /media/ (civicideas.media).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# runserver serves static files from the app directories; nothing is collected.
STATIC_ROOT = None
