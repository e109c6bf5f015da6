"""The Celery app. Tasks that touch a city's data use ``city_task``
(civicideas.tenancy.tasks) so they run inside that city."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicideas.settings.dev")

app = Celery("civicideas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
