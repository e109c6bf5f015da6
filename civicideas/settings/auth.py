"""Accounts and sessions: django-allauth's email login, password rules,
the rate limits of sign-in, sign-up and the browser forms that write, and
the session and CSRF cookies."""

from django.core.exceptions import ImproperlyConfigured

from .environment import env

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "civicideas.tenancy.backends.CityRoleBackend",
    "civicideas.accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "civicideas.accounts.adapter.CityAccountAdapter"
ACCOUNT_FORMS = {"signup": "civicideas.accounts.forms.CitySignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's rate limits are kept in the default cache. Failed passwords are
# not among them: one budget per account and per client IP, shared with the
# API's token endpoint, is kept by civicideas.accounts.guesses.
# Sign-ups and password-reset requests are limited per IP (and resets per
# address too); the refusal is the site's 429 page (handler429 in
# civicideas/urls.py). docs/privacy.md "Limits".
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "signup": env("ACCOUNT_RATE_LIMIT_SIGNUP", default="5/h/ip"),
    "reset_password": env("ACCOUNT_RATE_LIMIT_RESET_PASSWORD", default="10/h/ip,3/h/key"),
}
# What the 429 page after an allauth refusal tells people to wait (seconds):
# the longest window above (allauth does not say which one was hit).
ACCOUNT_RATE_LIMIT_RETRY_AFTER = env.int("ACCOUNT_RATE_LIMIT_RETRY_AFTER", default=60 * 60)


def form_rate_limits(defaults: dict[str, tuple[str, str]], override: str) -> dict:
    """``FORM_RATE_LIMITS`` from its defaults and the environment's
    ``action=per-person|per-ip`` pairs (``comment=20/h|60/h,idea=5/h|20/h``;
    an empty side means no limit)."""
    limits = dict(defaults)
    for item in filter(None, (part.strip() for part in override.split(","))):
        action, _, rates = item.partition("=")
        per_person, _, per_ip = rates.partition("|")
        if action.strip() not in limits:
            raise ImproperlyConfigured(f"FORM_RATE_LIMITS: unknown action {action!r}")
        limits[action.strip()] = (per_person.strip(), per_ip.strip())
    return limits


# Date of the last accessibility assessment, shown in the accessibility


# Browser forms that write, per person and per client IP (civicideas/web/ratelimit.py):
# "count/period" with s, m, h, d (and a multiple: "20/10m"); then 429.
FORM_RATE_LIMITS = form_rate_limits(
    {
        "idea": ("5/h", "20/h"),
        "comment": ("20/h", "60/h"),
        "flag": ("10/h", "30/h"),
        "support": ("60/h", "200/h"),
        "offer": ("10/h", "30/h"),
        "group": ("3/d", "10/d"),
    },
    env("FORM_RATE_LIMITS", default=""),
)
# Failed passwords allowed per account and per client IP within
# LOGIN_FAILURE_WINDOW seconds, on every way in (sign-in form, admin sign-in,
# POST /api/v1/auth/token/); then 429 with Retry-After until the window ends.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=20)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Sessions are read from the cache (Redis), written through to the database:
# a signed-in page makes no session query (docs/performance.md, issue 17).
# Whatever ends sessions deletes them through the session store, which clears
# both (civicideas.accounts.erasure._delete_sessions).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Cookies are host-only: a session on riverton is not a session on lakeside.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
# A CSRF refusal under /api/ is JSON in the API's error shape; pages keep Django's.
CSRF_FAILURE_VIEW = "civicideas.api.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
