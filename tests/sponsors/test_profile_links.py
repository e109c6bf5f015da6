"""The profile links a person to their groups and sponsors, and to allauth's
e-mail and password pages (issue 12: "a group's admins have no link to their
group")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicideas.tenancy import city_context
from tests.conftest import client_for, make_member
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    SponsorMembershipFactory,
)

pytestmark = pytest.mark.django_db

URL = "/me/profile/"


def test_profile_links_account_pages_groups_and_sponsors(city, other_city):
    user = make_member(city)
    with city_context(city):
        admin_of = GroupMembershipFactory(user=user, group__name="Riverton Gardeners")
        member_of = GroupMembershipFactory(
            user=user, group__name="Riverton Cyclists", role="member"
        )
        GroupFactory(name="Not mine")
        sponsor = SponsorMembershipFactory(user=user, sponsor__name="Riverton Bakery")
    with city_context(other_city):
        GroupMembershipFactory(user=user, group__name="Lakeside Rowers")
    html = client_for(user, city).get(URL).content.decode()
    assert 'href="/accounts/email/"' in html
    assert 'href="/accounts/password/change/"' in html
    assert f'href="/groups/{admin_of.group_id}/">Riverton Gardeners</a>' in html
    assert f'href="/groups/{member_of.group_id}/">Riverton Cyclists</a>' in html
    assert f'href="/sponsors/{sponsor.sponsor_id}/">Riverton Bakery</a>' in html
    # Groups one administers come first; another city's group never shows.
    assert html.index("Riverton Gardeners") < html.index("Riverton Cyclists")
    assert "Not mine" not in html
    assert "Lakeside Rowers" not in html


def test_profile_without_memberships_has_no_empty_sections(city):
    html = client_for(make_member(city), city).get(URL).content.decode()
    assert "Your groups" not in html and "Your sponsors" not in html


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_profile_query_count_does_not_grow_with_memberships(city):
    user = make_member(city)
    client = client_for(user, city)
    with city_context(city):
        GroupMembershipFactory(user=user)
        SponsorMembershipFactory(user=user)
    _queries(client)  # the first visit creates the profile
    few = _queries(client)
    with city_context(city):
        for _ in range(6):
            GroupMembershipFactory(user=user)
            SponsorMembershipFactory(user=user)
    assert _queries(client) == few
