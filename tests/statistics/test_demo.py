"""The demo's twelve months of history make the statistics tell a story."""

from io import StringIO

import pytest
from django.core.management import call_command

from civicideas.statistics.compute import statistics_compute
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City

pytestmark = pytest.mark.django_db


def test_demo_history_spreads_ideas_and_answers_faster_over_the_year():
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", stdout=out)
    assert "statistics: " in out.getvalue()
    city = City.objects.get(slug="riverton")
    with city_context(city):
        payload = statistics_compute(city=city)
    months_with_ideas = [row for row in payload["months"] if row["ideas"]]
    assert len(months_with_ideas) >= 10
    answered = [row for row in payload["answers"]["months"] if row["median_days"] is not None]
    assert len(answered) >= 6
    assert answered[0]["median_days"] > answered[-1]["median_days"] + 10
    assert payload["answers"]["departments"]  # categories name the department answering
    assert any(row["per_1000"] is not None for row in payload["districts"])
    assert payload["outcomes"]["ideas"]["rejected_with_reason"] >= 1
