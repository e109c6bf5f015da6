"""docker-compose.yml and the Dockerfile, read as data (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def user_of(url: str) -> str:
    return urlsplit(url).username or ""


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_names_every_service(services):
    assert {"db", "redis", "web", "worker", "beat", "mailpit", "migrate"} <= set(services)
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_web_worker_and_beat_share_one_image_and_environment(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert len(images) == 1
    assert all(env == environments[0] for env in environments)
    assert all(services[name].get("build") == "." for name in APP_SERVICES)
    assert services["migrate"]["image"] in images
    env = environments[0]
    assert env["DJANGO_SETTINGS_MODULE"] == "civicideas.settings.production"
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PLATFORM_HOST", "EMAIL_URL"} <= set(env)
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"
    assert "mailpit" in env["EMAIL_URL"]


def test_each_process_runs_what_its_name_says(services):
    assert "gunicorn civicideas.wsgi" in command_of(services["web"])
    assert re.search(r"celery -A civicideas worker\b", command_of(services["worker"]))
    assert re.search(r"celery -A civicideas beat\b", command_of(services["beat"]))
    migrate = command_of(services["migrate"])
    assert migrate.index("setup_database") < migrate.index("migrate --noinput")
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["db"]["condition"] == "service_healthy"


def test_web_health_check_probes_readiness(services):
    # /readyz: 503 only without the database; Redis down is "degraded", 200.
    probe = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in probe
    for name in ("db", "redis", "worker"):
        assert services[name]["healthcheck"]["test"], name


def test_application_role_is_not_the_postgres_superuser(services):
    superuser = services["db"]["environment"]["POSTGRES_USER"]
    app_env = services["web"]["environment"]
    app_user = user_of(app_env["DATABASE_URL"])
    assert app_user == "civicideas"
    assert app_user != superuser
    # Only the one-shot migrate service holds the superuser's credentials,
    # and it uses them for setup_database alone.
    assert "DATABASE_ADMIN_URL" not in app_env
    admin_url = services["migrate"]["environment"]["DATABASE_ADMIN_URL"]
    assert user_of(admin_url) == superuser
    assert user_of(services["migrate"]["environment"]["DATABASE_URL"]) == app_user


def test_secret_key_has_no_default(services):
    assert services["web"]["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_dockerfile_builds_the_project_on_python_313_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.13-slim$", dockerfile, re.MULTILINE)
    assert "pip install --no-deps -e ." in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r"^USER \w+", dockerfile, re.MULTILINE)  # not root
    assert '"gunicorn", "civicideas.wsgi"' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git"} <= set(ignored)
