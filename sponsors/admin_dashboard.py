"""What sponsors put on the back office's dashboard: offers waiting for the
group's answer (a facilitator may help), groups waiting for approval, and
the newest offers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from civicideas.tenancy.admin_dashboard import (
    Activity,
    ActivitySource,
    Counter,
    newest,
    register_activity,
    register_counters,
)
from sponsors.models import CommunityGroup, Offer


def _offer_text(row: dict) -> str:
    # A resident offering their own time has no sponsor.
    by = row["sponsor__name"] or gettext("A resident")
    return f"{by} → {row['initiative__title']}"


def _new_offers(base: QuerySet, limit: int) -> list[Activity]:
    return newest(
        base,
        model=Offer,
        kind=gettext("Offer"),
        when="created_at",
        fields=("sponsor__name", "initiative__title"),
        text=_offer_text,
        limit=limit,
    )


def register() -> None:
    register_counters(
        Counter(
            key="sponsors.open_offers",
            label=gettext_lazy("Offers awaiting an answer"),
            help_text=gettext_lazy("Sponsors' offers the initiative has not answered yet."),
            model=Offer,
            queryset=lambda base: base.filter(state=Offer.State.OFFERED),
            filters={"state__exact": Offer.State.OFFERED},
            order=40,
        ),
        Counter(
            key="sponsors.groups",
            label=gettext_lazy("Groups awaiting approval"),
            model=CommunityGroup,
            queryset=lambda base: base.filter(approved_at__isnull=True),
            filters={"approved_at__isempty": "1"},
            order=50,
        ),
    )
    register_activity(ActivitySource(key="sponsors.offers", model=Offer, events=_new_offers))
