"""Run by tests/ops/test_redis_sentinel.py in a fresh interpreter whose
``TEST_REDIS_URL`` is a ``sentinel://`` URL. Uses every Redis client of the
platform once (cache, page cache's primary, Celery broker and results,
redbeat, /readyz, the queue metrics) and prints what it saw as one JSON line;
the test then looks on the master itself."""

from __future__ import annotations

import json
import sys
import uuid

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from civicideas.celery import app  # noqa: E402
from civicideas.ops.metrics import ScrapeTimeCollector  # noqa: E402

tag = sys.argv[1] if len(sys.argv) > 1 else uuid.uuid4().hex
seen: dict[str, object] = {}

cache.set("sentinel-probe", tag, 300)
seen["cache_get"] = cache.get("sentinel-probe")
seen["cache_degraded"] = cache.degraded
seen["cache_location"] = cache.make_key("sentinel-probe")
try:
    cache.primary.set("sentinel-primary", tag, 300)
    seen["primary_get"] = cache.primary.get("sentinel-primary")
except Exception as exc:  # noqa: BLE001 - reported, not raised
    seen["primary_get"] = type(exc).__name__

readyz = Client().get("/readyz", HTTP_HOST="127.0.0.1")
seen["readyz_status"] = readyz.status_code
seen["readyz"] = readyz.json()

if seen["readyz"].get("redis") == "ok":
    app.send_task("sentinel.probe", args=[tag], queue="celery")
    app.backend.store_result(f"sentinel-{tag}", tag, "SUCCESS")
    seen["result"] = app.backend.get_task_meta(f"sentinel-{tag}")["result"]
    from redbeat.schedulers import get_redis

    get_redis(app).set(f"{app.conf.redbeat_key_prefix}probe", tag)

    lengths = {}
    up = {}
    for family in ScrapeTimeCollector().collect():
        for sample in family.samples:
            if sample.name == "civicideas_celery_queue_length":
                lengths[sample.labels["queue"]] = sample.value
            if sample.name == "civicideas_metrics_source_up":
                up[sample.labels["source"]] = sample.value
    seen["queue_lengths"] = lengths
    seen["metrics_up"] = up

print(json.dumps(seen))
