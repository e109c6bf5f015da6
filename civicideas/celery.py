"""The Celery app: Redis broker, JSON only, late acknowledgement, beat schedule in code.

Everything is read from Django settings under the ``CELERY_`` prefix
(``civicideas/settings/celery.py``): the broker and result backend are Redis,
``task_acks_late`` with ``task_reject_on_worker_lost`` means a task whose
worker dies mid-way is delivered again (so tasks must be idempotent), and the
periodic tasks are ``CELERY_BEAT_SCHEDULE`` (django-celery-beat does not
support Django 6.1). Tasks that touch a city's data use ``city_task``
(``civicideas.tenancy.tasks``) so they run inside that city.

Run with ``celery -A civicideas worker`` and ``celery -A civicideas beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicideas.settings.dev")

app = Celery("civicideas")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Django's LOGGING already configures the root logger; Celery must not replace
# its handlers (in a worker, or in the test process that embeds one).
app.conf.worker_hijack_root_logger = False
app.autodiscover_tasks()
