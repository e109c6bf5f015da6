"""Two adoptions of one practice by one city at the same moment (two tabs,
a double click through a slow network): one challenge (issue 15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicideas.tenancy import city_context
from exchange.models import Adoption
from tests.concurrency import parallel
from tests.conftest import client_for


@pytest.mark.django_db(transaction=True)
def test_concurrent_adoptions_create_one_challenge(world, practice):
    from ideas.models import Challenge

    url = f"/practices/{practice.slug}/adopt/"
    starts = (timezone.localdate() + timedelta(days=30)).isoformat()
    clients = [client_for(world.lakeside_admin, world.lakeside) for _ in range(3)]
    codes = parallel([lambda c=c: c.post(url, {"starts_on": starts}).status_code for c in clients])
    assert codes == [302, 302, 302]
    assert Adoption.objects.count() == 1
    with city_context(world.lakeside):
        assert Challenge.objects.count() == 1
