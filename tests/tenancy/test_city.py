"""What a city knows about itself that other parts read."""

from zoneinfo import ZoneInfo

import pytest

from civicideas.tenancy.models import City


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("Atlantis/Capital", "UTC"),  # unknown: the site's (test settings: UTC)
        ("../../etc/passwd", "UTC"),  # not a zone name at all
        ("", "UTC"),
    ],
)
def test_zoneinfo_is_the_citys_or_the_sites(settings, stored, expected):
    settings.TIME_ZONE = "UTC"
    assert City(slug="x", name="X", time_zone=stored).zoneinfo == ZoneInfo(expected)
