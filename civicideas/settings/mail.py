"""Outgoing e-mail (Django 6.1 ``MAILERS``)."""

import environ

from .environment import env


# EMAIL_URL: smtp://user:password@host:port (plain), smtp+tls://... (STARTTLS),
# smtp+ssl://... (implicit TLS), consolemail:// or memorymail:// for development.
def mailer_from_url(url: str) -> dict:
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": config.get("EMAIL_HOST") or "localhost",
            "port": config.get("EMAIL_PORT") or None,
            "username": config.get("EMAIL_HOST_USER") or "",
            "password": config.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        },
    }


MAILERS = {"default": mailer_from_url(env("EMAIL_URL", default="smtp://localhost:25"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="civicideas <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
