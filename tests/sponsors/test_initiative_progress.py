"""Ended initiatives on cards and among related initiatives, and the overall
progress of an initiative (issue 12: "cancelled or completed initiatives still
show '1 open need · next deadline'")."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy import city_context
from sponsors import selectors
from sponsors.models import Initiative, InitiativeStatus
from sponsors.models.common import ResourceType, Unit
from sponsors.services.initiatives import _initiative_refresh
from tests.conftest import host_of
from tests.ideas.factories import DistrictFactory
from tests.sponsors.factories import GroupFactory, InitiativeFactory, NeedFactory

pytestmark = pytest.mark.django_db


def _refresh(initiative: Initiative) -> Initiative:
    return _initiative_refresh(Initiative.objects.get(pk=initiative.pk))


def test_progress_is_the_mean_share_of_needs_met_without_given_up_needs(city):
    with city_context(city):
        initiative = InitiativeFactory()
        NeedFactory(initiative=initiative, quantity=Decimal(1000), fulfilled=Decimal(500))
        NeedFactory(
            initiative=initiative,
            kind=ResourceType.VOLUNTEERS,
            unit=Unit.HOURS,
            quantity=Decimal(10),
            fulfilled=Decimal(10),
        )
        # Closed before it was met: no longer counts against the initiative.
        NeedFactory(initiative=initiative, quantity=Decimal(50), closed_at=timezone.now())
        assert _refresh(initiative).progress_percent == 75
        assert Initiative.objects.get(pk=initiative.pk).progress_percent == 75


def test_progress_of_an_initiative_without_needs_is_zero(city):
    with city_context(city):
        assert _refresh(InitiativeFactory()).progress_percent == 0


def test_page_and_card_show_the_overall_progress(city, client):
    with city_context(city):
        group = GroupFactory(approved_at=timezone.now())
        initiative = InitiativeFactory(group=group)
        NeedFactory(initiative=initiative, quantity=Decimal(1000), fulfilled=Decimal(250))
        _refresh(initiative)
    client.defaults["HTTP_HOST"] = host_of(city)
    page = client.get(reverse("sponsors:initiative", args=[initiative.pk])).content.decode()
    assert re.search(r'<progress id="initiative-progress" max="100" value="25">', page)
    listing = client.get(reverse("sponsors:initiatives")).content.decode()
    assert f'<progress id="initiative-progress-{initiative.pk}" max="100" value="25">' in listing


@pytest.mark.parametrize("status", [InitiativeStatus.CANCELLED, InitiativeStatus.COMPLETED])
def test_ended_initiative_card_shows_its_state_and_no_open_needs(city, client, status):
    with city_context(city):
        group = GroupFactory(approved_at=timezone.now())
        initiative = InitiativeFactory(group=group, title="Ended garden")
        NeedFactory(initiative=initiative, deadline=timezone.localdate() + timedelta(days=9))
        _refresh(initiative)
    client.defaults["HTTP_HOST"] = host_of(city)
    url = reverse("sponsors:group", args=[group.pk])
    html = client.get(url).content.decode()
    assert "1 open need" in html and "next deadline" in html
    with city_context(city):
        Initiative.objects.filter(pk=initiative.pk).update(status=status)
    html = client.get(url).content.decode()
    assert "Ended garden" in html
    assert "open need" not in html and "next deadline" not in html
    assert "EUR still needed" not in html and "initiative-progress-" not in html
    assert "no longer seeking support" in html


@pytest.mark.parametrize("status", [InitiativeStatus.CANCELLED, InitiativeStatus.COMPLETED])
def test_ended_initiatives_are_not_related(city, client, status):
    with city_context(city):
        district = DistrictFactory()  # related by district
        shown = InitiativeFactory(title="Riverside garden", district=district)
        open_twin = InitiativeFactory(title="Riverside garden two", district=district)
        ended = InitiativeFactory(title="Riverside garden three", district=district, status=status)
        related = selectors.related_initiatives(shown)
    assert open_twin in related and ended not in related
    client.defaults["HTTP_HOST"] = host_of(city)
    html = client.get(reverse("sponsors:initiative", args=[shown.pk])).content.decode()
    assert "Riverside garden two" in html and "Riverside garden three" not in html


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("sponsors:initiatives")).status_code == 200
    return len(queries)


def test_list_with_progress_bars_costs_the_same_whatever_the_rows(city, client):
    client.defaults["HTTP_HOST"] = host_of(city)
    with city_context(city):
        NeedFactory(fulfilled=Decimal(10))
    _list_queries(client)
    few = _list_queries(client)
    with city_context(city):
        for _ in range(6):
            _refresh(NeedFactory(fulfilled=Decimal(10)).initiative)
    assert _list_queries(client) == few
