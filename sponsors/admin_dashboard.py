"""What sponsors put on the back office's dashboard: offers waiting for the
group's answer (a facilitator may help), groups waiting for approval, and
the newest offers."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from civicideas.tenancy.admin_dashboard import (
    Activity,
    ActivitySource,
    Counter,
    change_url,
    register_activity,
    register_counters,
)
from sponsors.models import CommunityGroup, Offer


def _open_offers():
    return Offer.objects.filter(state=Offer.State.OFFERED)


def _groups_to_approve():
    return CommunityGroup.objects.filter(approved_at__isnull=True)


def _new_offers(limit: int) -> list[Activity]:
    offers = (
        Offer.objects.select_related("sponsor", "initiative")
        .only("id", "created_at", "sponsor__name", "initiative__title")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        Activity(
            when=offer.created_at,
            kind=gettext("Offer"),
            text=f"{offer.sponsor.name} → {offer.initiative.title}",
            url=change_url(Offer, offer.pk),
        )
        for offer in offers
    ]


def register() -> None:
    register_counters(
        Counter(
            key="sponsors.open_offers",
            label=gettext_lazy("Offers awaiting an answer"),
            help_text=gettext_lazy("Sponsors' offers the initiative has not answered yet."),
            model=Offer,
            queryset=_open_offers,
            filters={"state__exact": Offer.State.OFFERED},
            order=40,
        ),
        Counter(
            key="sponsors.groups",
            label=gettext_lazy("Groups awaiting approval"),
            model=CommunityGroup,
            queryset=_groups_to_approve,
            filters={"approved_at__isempty": "1"},
            order=50,
        ),
    )
    register_activity(ActivitySource(key="sponsors.offers", model=Offer, events=_new_offers))
