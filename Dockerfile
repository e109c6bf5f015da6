# The one image behind web (gunicorn), worker and beat (Celery) and the
# one-shot migrate service in docker-compose.yml.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=civicideas.settings.production

# gettext compiles the translations; libpq-free: psycopg[binary] ships its own.
# postgresql-client: pg_dump/pg_restore for `manage.py backup`/`restore`
# (Debian 13's version 17, newer than the server's 16, as they must be).
# fonts-dejavu-core: the printed posters and forms embed DejaVu Sans, which
# has every character a city may type (docs/offline.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext postgresql-client fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, the exact versions of requirements.lock (hashes
# checked), so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
# Editable, because settings find templates/ and locale/ next to the code.
RUN pip install --no-deps -e . \
    && if [ -d locale ]; then python manage.py compilemessages --ignore '.venv/*'; fi

# Static files are collected into the image (served by WhiteNoise). The build
# needs a syntactically valid secret; it is not kept in the image's env.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(60))')" \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app civicideas \
    && mkdir -p /app/var/media /app/var/backups /app/var/prometheus \
    && chown -R civicideas /app/var

USER civicideas
EXPOSE 8000

# deploy/gunicorn.conf.py: workers, and the hooks of multiprocess metrics
# (PROMETHEUS_MULTIPROC_DIR, emptied at start); requests are logged by the app.
ENV PROMETHEUS_MULTIPROC_DIR=/app/var/prometheus
CMD ["gunicorn", "civicideas.wsgi", "-c", "deploy/gunicorn.conf.py"]
