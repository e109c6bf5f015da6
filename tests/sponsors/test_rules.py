"""The sponsors' rules and their queryset twins agree, for every role and
every state (``sponsors/rules.py`` names this file):

* ``can_view_group`` ⇔ ``selectors.groups_visible_to``;
* ``can_view_initiative`` ⇔ ``selectors.initiatives_visible_to``, and a
  public initiative of an approved group ⇔ ``selectors.public_initiatives``;
* ``can_view_offer`` ⇔ ``selectors.offers_visible_to``;
* ``can_convert_idea_for`` ⇔ ``selectors.groups_for_idea_conversion``.

Lakeside's group, initiative and offer are in no Riverton list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.status import IdeaStatus
from sponsors import rules, selectors
from sponsors.models import (
    GroupMembership,
    Initiative,
    InitiativeStatus,
    Offer,
    SponsorMembership,
)
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory
from tests.sponsors import factories as f
from tests.twins import disagreements, fresh, leaks

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = GroupMembership.Role.ADMIN, GroupMembership.Role.MEMBER


class World:
    """Riverton: four groups (approved or not, ours or nobody's), an
    initiative of each group in every status, two sponsors (ours and
    another) with offers in every state on initiatives of both our and
    another group, and people in every role. Lakeside: the same kinds of
    rows, with a group admin and a sponsor member of its own."""

    def __init__(self, riverton, lakeside) -> None:
        self.riverton = riverton
        people = {
            "anonymous": AnonymousUser(),
            "citizen": make_member(riverton),
            "group admin": make_member(riverton),
            "group member": make_member(riverton),
            "sponsor admin": make_member(riverton),
            "sponsor member": make_member(riverton),
            "other sponsor's member": make_member(riverton),
            "moderator": make_member(riverton, Role.MODERATOR),
            "evaluator": make_member(riverton, Role.EVALUATOR),
            "city admin": make_member(riverton, Role.CITY_ADMIN),
            "superuser": UserFactory(is_superuser=True),
            "lakeside city admin": make_member(lakeside, Role.CITY_ADMIN),
            "lakeside group admin": make_member(lakeside),
            "lakeside sponsor member": make_member(lakeside),
            "deactivated group admin": make_member(riverton, is_active=False),
            "deactivated city admin": make_member(riverton, Role.CITY_ADMIN, is_active=False),
        }
        self.people = people
        with city_context(riverton):
            self.groups = {
                "approved, ours": f.GroupFactory(),
                "pending, ours": f.GroupFactory(approved_at=None),
                "approved, nobody's": f.GroupFactory(),
                "pending, nobody's": f.GroupFactory(approved_at=None),
            }
            for label, group in self.groups.items():
                if label.endswith("ours"):
                    f.GroupMembershipFactory(group=group, user=people["group admin"], role=ADMIN)
                    f.GroupMembershipFactory(group=group, user=people["group member"], role=MEMBER)
                    f.GroupMembershipFactory(
                        group=group, user=people["deactivated group admin"], role=ADMIN
                    )
            self.initiatives = {
                f"{status} of {label}": f.InitiativeFactory(group=group, status=status)
                for label, group in self.groups.items()
                for status in InitiativeStatus.values
            }
            ours, other = f.SponsorFactory(), f.SponsorFactory()
            f.SponsorMembershipFactory(
                sponsor=ours, user=people["sponsor admin"], role=SponsorMembership.Role.ADMIN
            )
            f.SponsorMembershipFactory(
                sponsor=ours, user=people["sponsor member"], role=SponsorMembership.Role.MEMBER
            )
            f.SponsorMembershipFactory(sponsor=other, user=people["other sponsor's member"])
            self.offers = {}
            for sponsor_label, sponsor in (("our sponsor", ours), ("other sponsor", other)):
                for group_label in ("approved, ours", "approved, nobody's", "pending, ours"):
                    initiative = self.initiatives[f"seeking of {group_label}"]
                    need = f.NeedFactory(initiative=initiative)
                    for state in Offer.State.values:
                        label = f"{state} by {sponsor_label} to {group_label}"
                        self.offers[label] = f.OfferFactory(sponsor=sponsor, need=need, state=state)
            author = make_member(riverton)
            people["idea author"] = author
            self.ideas = {
                f"{whose} {status}": IdeaFactory(author=by, status=status)
                for status in IdeaStatus.values
                for whose, by in (("author's", author), ("group admin's", people["group admin"]))
            }
        with city_context(lakeside):
            group = f.GroupFactory()
            f.GroupMembershipFactory(group=group, user=people["lakeside group admin"])
            sponsor = f.SponsorFactory()
            f.SponsorMembershipFactory(sponsor=sponsor, user=people["lakeside sponsor member"])
            initiative = f.InitiativeFactory(group=group)
            self.foreign_group, self.foreign_initiative = group, initiative
            self.foreign_offer = f.OfferFactory(
                sponsor=sponsor, need=f.NeedFactory(initiative=initiative)
            )


@pytest.fixture
def in_riverton(city, other_city):
    world = World(city, other_city)
    with city_context(city):
        yield world


TWINS = {
    "groups": (rules.can_view_group, selectors.groups_visible_to),
    "initiatives": (rules.can_view_initiative, selectors.initiatives_visible_to),
    "offers": (rules.can_view_offer, selectors.offers_visible_to),
}


@pytest.mark.parametrize("objects", sorted(TWINS))
def test_the_view_rule_agrees_with_its_queryset(in_riverton, objects):
    rule, twin = TWINS[objects]
    assert disagreements(in_riverton.people, getattr(in_riverton, objects), rule, twin) == []


def test_public_initiatives_are_what_anybody_may_see(in_riverton):
    w = in_riverton
    found = disagreements(
        {"anonymous": None, "citizen": w.people["citizen"]},
        w.initiatives,
        lambda _user, i: i.is_public and i.group.is_approved,
        lambda _user: selectors.public_initiatives(),
    )
    assert found == []
    anybody = AnonymousUser()
    assert set(selectors.public_initiatives()) == set(selectors.initiatives_visible_to(anybody))


def test_is_public_agrees_with_the_public_queryset(in_riverton):
    """``Initiative.is_public`` and ``Initiative.objects.public()`` are one
    rule (the status); public to everyone also needs an approved group."""
    public = set(Initiative.objects.public())
    for label, initiative in in_riverton.initiatives.items():
        assert initiative.is_public == (initiative in public), label
    assert set(selectors.public_initiatives()) == {i for i in public if i.group.is_approved}


def test_other_sponsors_never_see_an_offer(in_riverton):
    w = in_riverton
    rival = fresh(w.people["other sponsor's member"])
    mine = {o for label, o in w.offers.items() if "by our sponsor" in label}
    listed = set(selectors.offers_visible_to(rival))
    assert not any(rules.can_view_offer(rival, offer) for offer in mine)
    assert listed.isdisjoint(mine) and listed


@pytest.mark.parametrize(
    "group_label", ["approved, ours", "pending, ours", "approved, nobody's", "pending, nobody's"]
)
def test_can_convert_idea_for_agrees_with_groups_for_idea_conversion(in_riverton, group_label):
    w = in_riverton
    group = w.groups[group_label]
    found = []
    for role, person in w.people.items():
        user = fresh(person)
        for label, idea in w.ideas.items():
            allowed = rules.can_convert_idea_for(user, idea, group)
            listed = group in selectors.groups_for_idea_conversion(user, idea)
            if allowed != listed:
                found.append((role, label, allowed, listed))
    assert found == []


def test_another_citys_rows_are_in_no_list(in_riverton):
    w = in_riverton
    assert leaks(w.people, [w.foreign_group], selectors.groups_visible_to) == []
    assert leaks(w.people, [w.foreign_initiative], selectors.initiatives_visible_to) == []
    assert leaks(w.people, [w.foreign_offer], selectors.offers_visible_to) == []
    # Lakeside's group admin and sponsor are nobody here.
    for role in ("lakeside group admin", "lakeside sponsor member"):
        assert not selectors.offers_visible_to(fresh(w.people[role])).exists()
