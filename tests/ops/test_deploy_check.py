"""Production settings: ``check --deploy`` is clean, and they refuse to start
without a real secret key."""

from __future__ import annotations

import secrets
import string

import pytest

from tests.ops.conftest import manage

pytestmark = pytest.mark.slow

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "civicideas.settings.production",
    "DATABASE_URL": "postgres://civicideas:secret@db:5432/civicideas",
}


def random_secret(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_check_deploy_reports_no_issue_at_warning_level():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION, "SECRET_KEY": random_secret()},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("secret", ["", "too-short"])
def test_production_without_a_real_secret_key_is_improperly_configured(secret):
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": secret})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_production_security_settings():
    # Import in a subprocess: production settings raise without SECRET_KEY and
    # must not leak into this test process.
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_REFERRER_POLICY, bool(s.SECURE_CSP), s.SECURE_REDIRECT_EXEMPT)"
    )
    result = manage(
        "shell", "--no-imports", "-c", code, env={**PRODUCTION, "SECRET_KEY": random_secret()}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False True True True True ('HTTP_X_FORWARDED_PROTO', 'https') same-origin True "
        "['^healthz$', '^readyz$', '^metrics$']"
    )
