"""The sponsors app's part of a person's data in one city (registered in
``SponsorsConfig.ready``; see ``civicideas.accounts.personal_data``).

Groups, sponsors, initiatives and offers belong to organisations, not to the
person: on erasure they stay, the person's memberships go with the account,
what they created or made points at "Former participant", and the city's
verifications and introductions at "Former <role>". A group's or sponsor's
contact address that is the person's own is replaced by the generic step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from civicideas.accounts.personal_data import ErasureOptions, Records, StoredFile, iso
from sponsors.models import (
    CommunityGroup,
    GroupMembership,
    Initiative,
    Offer,
    ProgressUpdate,
    Sponsor,
    SponsorMembership,
)


class SponsorsContributor:
    label = "sponsors"
    staff_fields = frozenset(
        {
            "sponsors.CommunityGroup.approved_by",
            "sponsors.Sponsor.verified_by",
            "sponsors.Introduction.introduced_by",
        }
    )

    def export(self, user: Any) -> Iterator[Records | StoredFile]:
        yield Records(
            "group_memberships",
            (
                {"group": m.group.name, "role": m.role, "since": iso(m.created_at)}
                for m in GroupMembership.objects.filter(user=user)
                .select_related("group")
                .order_by("pk")
            ),
        )
        yield Records(
            "sponsor_memberships",
            (
                {"sponsor": m.sponsor.name, "role": m.role, "since": iso(m.created_at)}
                for m in SponsorMembership.objects.filter(user=user)
                .select_related("sponsor")
                .order_by("pk")
            ),
        )
        yield Records(
            "groups_created",
            (
                {"name": g.name, "contact_email": g.contact_email, "created": iso(g.created_at)}
                for g in CommunityGroup.objects.filter(created_by=user).order_by("pk")
            ),
        )
        yield Records(
            "sponsors_created",
            (
                {"name": s.name, "contact_email": s.contact_email, "created": iso(s.created_at)}
                for s in Sponsor.objects.filter(created_by=user).order_by("pk")
            ),
        )
        yield Records(
            "initiatives_created",
            (
                {"title": i.title, "status": i.status, "created": iso(i.created_at)}
                for i in Initiative.objects.filter(created_by=user).order_by("pk")
            ),
        )
        yield Records(
            "progress_updates",
            (
                {"initiative": u.initiative_id, "text": u.text, "created": iso(u.created_at)}
                for u in ProgressUpdate.objects.filter(author=user).order_by("pk").iterator()
            ),
        )
        yield Records(
            "offers",
            (
                {
                    "sponsor": o.sponsor.name,
                    "initiative": o.initiative.title,
                    "quantity": iso(o.quantity),
                    "message": o.message,
                    "conditions": o.conditions,
                    "state": o.state,
                    "created": iso(o.created_at),
                }
                for o in Offer.objects.filter(made_by=user)
                .select_related("sponsor", "initiative")
                .order_by("pk")
                .iterator()
            ),
        )

    def erase(self, user: Any, options: ErasureOptions) -> None:
        return None  # organisations' records stay; the generic step anonymises


CONTRIBUTOR = SponsorsContributor()
