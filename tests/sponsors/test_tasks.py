"""The nightly full recompute: a beat entry, a task that fans out per city,
and per-city batches that each run in their own ``city_task``."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings

from civicideas.celery import app
from civicideas.tenancy import city_context
from sponsors import tasks
from sponsors.models import Initiative, InitiativeStatus, SponsorMatch
from tests.sponsors.factories import InitiativeFactory, NeedFactory, SponsorFactory, refresh

pytestmark = pytest.mark.django_db


def test_beat_runs_the_nightly_recompute_once_a_night():
    entry = settings.CELERY_BEAT_SCHEDULE["sponsors-nightly-matches"]
    assert entry["task"] == "sponsors.nightly_recompute"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {3}
    app.loader.import_default_modules()
    assert "sponsors.nightly_recompute" in app.tasks
    assert "sponsors.recompute_city_matches" in app.tasks


def test_nightly_queues_one_city_task_per_city(city, other_city):
    with mock.patch.object(tasks.recompute_city_matches, "delay") as delay:
        assert tasks.nightly_recompute() == 2
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([city.pk, other_city.pk])


def test_city_task_prunes_and_queues_batches_after_commit(
    city, other_city, django_capture_on_commit_callbacks
):
    with city_context(city):
        sponsors = [SponsorFactory() for _ in range(3)]
        live = InitiativeFactory()
        NeedFactory(initiative=live)
        refresh(live)
        done = InitiativeFactory()
        NeedFactory(initiative=done)
        refresh(done)
        for sponsor in sponsors:
            for initiative in (live, done):
                SponsorMatch.objects.create(
                    city=city,
                    sponsor=sponsor,
                    initiative=initiative,
                    score=1,
                    computed_at="2026-01-01T00:00Z",
                )
        Initiative.objects.filter(pk=done.pk).update(status=InitiativeStatus.COMPLETED)
    with city_context(other_city):
        SponsorFactory()  # another city's sponsor is never in these batches
    with (
        mock.patch.object(tasks.recompute_sponsor_batch, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.recompute_city_matches(city.pk, batch_size=2) == 2
    batches = [call.args for call in delay.call_args_list]
    ids = sorted(s.pk for s in sponsors)
    assert batches == [(city.pk, ids[:2]), (city.pk, ids[2:])]
    with city_context(city):
        assert not SponsorMatch.objects.filter(initiative=done).exists()

    # Each batch writes its sponsors' matches in its own city.
    assert tasks.recompute_sponsor_batch(city.pk, ids[:2]) >= 2
    with city_context(city):
        assert set(
            SponsorMatch.objects.filter(initiative=live).values_list("sponsor_id", flat=True)
        ) >= set(ids[:2])


@pytest.mark.django_db(transaction=True)
def test_admin_full_recompute_uses_the_batched_city_task(city):
    """The admin action once ran a second, unbatched recompute task that
    loaded its city through a private helper instead of ``city_task``."""
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from civicideas.tenancy import city_context
    from civicideas.tenancy.roles import Role
    from sponsors.admin import SponsorAdmin
    from sponsors.models import Sponsor
    from tests.conftest import make_member

    staff = make_member(city, Role.CITY_ADMIN)
    request = RequestFactory().post("/admin/sponsors/sponsor/", HTTP_HOST="riverton.localhost")
    request.user = staff
    request.city = city
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = SponsorAdmin(Sponsor, django_admin.site)
    with mock.patch.object(tasks.recompute_city_matches, "delay") as delay, city_context(city):
        model_admin.recompute_all_matches(request, Sponsor.objects.none())
    delay.assert_called_once_with(city.pk)
    assert not hasattr(tasks, "recompute_all_matches")
