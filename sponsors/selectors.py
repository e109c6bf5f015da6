"""Reads for the sponsors pages and admin: lists built in SQL with a fixed
number of queries, and the queryset twins of ``sponsors.rules``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicideas.accounts.models import Profile
from civicideas.content.search_config import search_config
from civicideas.tenancy.context import current_city
from civicideas.tenancy.permissions import is_city_staff
from ideas.models import Category, District
from sponsors import rules
from sponsors.models import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    CommunityGroup,
    GroupMembership,
    Initiative,
    InitiativeStatus,
    Need,
    Offer,
    ProgressUpdate,
    Sponsor,
)

if TYPE_CHECKING:
    from civicideas.accounts.types import Viewer

QUERY_MAX = 200
SORTS = ("newest", "closing", "needed", "match")

#: The list's orders besides best match (and relevance): one definition,
#: used by ``initiative_list`` and by the page read from the indexes that
#: serve exactly these orders (``sponsors.best_match.sorted_page``; the
#: ``initiative_public_*_idx`` indexes). Any other sort is newest first.
LIST_ORDERS: dict[str, tuple[OrderBy, ...]] = {
    "newest": (F("published_at").desc(nulls_last=True), F("pk").desc()),
    "closing": (F("next_deadline").asc(nulls_last=True), F("pk").desc()),
    "needed": (F("open_need_count").desc(), F("funding_remaining").desc(), F("pk").desc()),
}


# --- visibility (queryset twins of rules) ---------------------------------------------------------


def public_initiatives() -> QuerySet[Initiative]:
    return Initiative.objects.filter(status__in=PUBLIC_STATUSES, group__approved_at__isnull=False)


def initiatives_visible_to(user: Viewer) -> QuerySet[Initiative]:
    """Twin of ``rules.can_view_initiative``."""
    if is_city_staff(user):
        return Initiative.objects.all()
    groups = list(rules.group_roles(user))
    visible = Q(status__in=PUBLIC_STATUSES, group__approved_at__isnull=False)
    if groups:
        visible |= Q(group_id__in=groups)
    return Initiative.objects.filter(visible)


def groups_visible_to(user: Viewer) -> QuerySet[CommunityGroup]:
    """Twin of ``rules.can_view_group``."""
    if is_city_staff(user):
        return CommunityGroup.objects.all()
    groups = list(rules.group_roles(user))
    return CommunityGroup.objects.filter(Q(approved_at__isnull=False) | Q(pk__in=groups))


def offers_visible_to(user: Viewer) -> QuerySet[Offer]:
    """Twin of ``rules.can_view_offer``: never another sponsor's offers."""
    if is_city_staff(user):
        return Offer.objects.all()
    if not rules.signed_in(user):
        return Offer.objects.none()
    sponsors = list(rules.sponsor_roles(user))
    groups = list(rules.group_roles(user))
    return Offer.objects.filter(
        Q(sponsor_id__in=sponsors)
        | Q(initiative__group_id__in=groups)
        | Q(sponsor__isnull=True, made_by_id=user.pk)
    )


# --- the list of initiatives ----------------------------------------------------------------------


def filter_options() -> tuple[list[Category], list[District]]:
    return list(Category.objects.order_by("name")), list(District.objects.order_by("name"))


def filtered_initiatives(
    *,
    category: int | None = None,
    district: int | None = None,
    need_type: str | None = None,
    open_only: bool = False,
    query: str = "",
) -> QuerySet[Initiative]:
    """The public initiatives the list's filters keep, unordered, nothing
    joined or prefetched: the one definition of "which initiatives match",
    shared by ``initiative_list`` and the best-match page's SQL
    (``sponsors.best_match``), which compiles it so the two cannot drift.
    ``open_need_types`` is denormalised so no filter aggregates needs."""
    qs = public_initiatives()
    if category:
        qs = qs.filter(categories__pk=category)
    if district:
        qs = qs.filter(district_id=district)
    if need_type:
        qs = qs.filter(open_need_types__contains=[need_type])
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES, open_need_count__gt=0)
    query = clean_query(query)
    if query:
        qs = qs.filter(search_vector=search_query(query))
    return qs


def clean_query(query: str | None) -> str:
    """The search text as the list uses it: at most ``QUERY_MAX`` characters, trimmed."""
    return (query or "")[:QUERY_MAX].strip()


def search_query(query: str) -> SearchQuery:
    """``query`` as a web-search query in the city's language's configuration."""
    config = search_config(current_city().default_language)
    return SearchQuery(query, search_type="websearch", config=config)


def initiative_list(
    *,
    category: int | None = None,
    district: int | None = None,
    need_type: str | None = None,
    open_only: bool = False,
    query: str = "",
    sort: str = "newest",
    sponsor_id: int | None = None,
) -> QuerySet[Initiative]:
    """Public initiatives, filtered (``filtered_initiatives``) and sorted in
    SQL, with their district, group and categories."""
    qs = filtered_initiatives(
        category=category,
        district=district,
        need_type=need_type,
        open_only=open_only,
        query=query,
    ).select_related("district", "group")
    query = clean_query(query)
    if query:
        search = search_query(query)
        qs = qs.annotate(search_rank=SearchRank(F("search_vector"), search))
    if sort == "match" and sponsor_id is not None:
        # A LEFT JOIN on the stored scores (one hash join), not a subquery
        # per initiative: at 20,000 initiatives the subquery ran 20,000 index
        # probes before the sort (issue 17).
        qs = (
            qs.annotate(
                my_match=FilteredRelation("matches", condition=Q(matches__sponsor_id=sponsor_id))
            )
            .annotate(match_score=Coalesce(F("my_match__score"), Value(-1.0)))
            .order_by("-match_score", "-published_at", "-pk")
        )
    elif query and sort == "relevance":
        # Annotated above when there is a query; the plugin cannot follow that.
        qs = qs.order_by("-search_rank", "-pk")  # type: ignore[misc]
    else:
        qs = qs.order_by(*LIST_ORDERS.get(sort, LIST_ORDERS["newest"]))
    return qs.prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("name")))


# --- an initiative's page -------------------------------------------------------------------------


def initiative_for_page(*, pk: int, user: Viewer) -> Initiative | None:
    """The initiative if ``user`` may see it; None for missing, another
    city's and not-yours alike."""
    initiative = (
        Initiative.objects.select_related("group", "district", "source_idea").filter(pk=pk).first()
    )
    if initiative is None or not rules.can_view_initiative(user, initiative):
        return None
    return initiative


def initiative_needs(initiative: Initiative) -> list[Need]:
    return list(Need.objects.filter(initiative=initiative).order_by("closed_at", "deadline", "pk"))


def initiative_updates(initiative: Initiative, limit: int = 50) -> list[ProgressUpdate]:
    return list(ProgressUpdate.objects.filter(initiative=initiative)[:limit])


def initiative_offers(initiative: Initiative) -> list[Offer]:
    """For the group's own view of its initiative."""
    return list(
        with_volunteer_name(Offer.objects.filter(initiative=initiative))
        .select_related("sponsor", "need", "made_by")
        .order_by("state", "-created_at")
    )


def with_volunteer_name(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """Annotate ``volunteer_name``: the display name, in the current city,
    of whoever made the offer (shown for residents' own offers), in the
    same statement."""
    names = Profile.objects.filter(user=OuterRef("made_by")).values("display_name")[:1]
    return offers.annotate(volunteer_name=Subquery(names))


def my_personal_offers(user: Viewer, initiative: Initiative) -> list[Offer]:
    """The resident's own offers of time on this initiative."""
    if not rules.signed_in(user):
        return []
    return list(
        Offer.objects.filter(initiative=initiative, sponsor__isnull=True, made_by_id=user.pk)
        .select_related("need")
        .order_by("-created_at", "-pk")
    )


def related_initiatives(initiative: Initiative, *, limit: int = 5) -> list[Initiative]:
    """Public initiatives on the same thing: shared categories (2 points
    each), the same district (1) and similar text (up to 1, full-text rank
    of the other's text against this one's title and summary words).
    Only initiatives still taking support: a completed or cancelled one is
    no place to send a reader who wants to help."""
    category_ids = list(initiative.categories.values_list("pk", flat=True))
    config = search_config(current_city().default_language)
    words = f"{initiative.title} {initiative.summary}".strip()
    text = SearchQuery(
        " OR ".join(w for w in words.replace('"', " ").split() if w.isalnum()) or "-",
        search_type="websearch",
        config=config,
    )
    qs = (
        public_initiatives()
        .filter(status__in=OPEN_STATUSES)
        .exclude(pk=initiative.pk)
        .annotate(
            shared=Count("categories", filter=Q(categories__in=category_ids), distinct=True),
            text_rank=SearchRank(F("search_vector"), text),
        )
    )
    related_filter = Q(shared__gt=0) | Q(search_vector=text)
    if initiative.district_id:
        related_filter |= Q(district_id=initiative.district_id)
    qs = qs.filter(related_filter).select_related("district")
    rows = list(qs.order_by("-shared", "-text_rank", "-published_at")[: limit * 3])

    def score(row: Any) -> float:
        return (
            2 * row.shared
            + (1 if row.district_id == initiative.district_id else 0)
            + min(1.0, (row.text_rank or 0) * 5)  # no search vector yet: no rank
        )

    rows.sort(key=lambda r: (-score(r), -r.pk))
    top: list[Initiative] = list(rows[:limit])
    return top


# --- sponsors and groups --------------------------------------------------------------------------


def my_sponsors(user: Viewer) -> list[Sponsor]:
    ids = list(rules.sponsor_roles(user))
    return list(Sponsor.objects.filter(pk__in=ids).order_by("name")) if ids else []


def group_directory() -> QuerySet[CommunityGroup]:
    """Approved groups with how many public initiatives each runs (one
    correlated subquery, so a page costs the same whatever its size)."""
    initiatives = (
        Initiative.objects.filter(group=OuterRef("pk"), status__in=PUBLIC_STATUSES)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        CommunityGroup.objects.approved()
        .annotate(initiative_count=Coalesce(Subquery(initiatives), Value(0)))
        .order_by("name", "pk")
    )


def my_groups(user: Viewer) -> list[CommunityGroup]:
    ids = list(rules.group_roles(user))
    return list(CommunityGroup.objects.filter(pk__in=ids).order_by("name")) if ids else []


def sponsor_offers(sponsor: Sponsor, limit: int = 100) -> list[Offer]:
    return list(
        Offer.objects.filter(sponsor=sponsor)
        .select_related("need", "initiative", "match_pledge")
        .order_by("-created_at")[:limit]
    )


def sponsor_supported(sponsor: Sponsor, limit: int = 50) -> list[Initiative]:
    accepted = Offer.objects.filter(
        sponsor=sponsor,
        initiative=OuterRef("pk"),
        state__in=[Offer.State.ACCEPTED, Offer.State.PARTLY_ACCEPTED],
    )
    return list(Initiative.objects.filter(Exists(accepted)).order_by("-published_at")[:limit])


def group_members(group: CommunityGroup) -> list[Any]:
    from sponsors.models import GroupMembership

    return list(
        GroupMembership.objects.filter(group=group).select_related("user").order_by("role", "pk")
    )


def sponsor_members(sponsor: Sponsor) -> list[Any]:
    from sponsors.models import SponsorMembership

    return list(
        SponsorMembership.objects.filter(sponsor=sponsor)
        .select_related("user")
        .order_by("role", "pk")
    )


@dataclass(frozen=True)
class IdeaLinks:
    """What the sponsors box of an idea's page shows: the group the idea was
    submitted on behalf of, and the initiative that came from it."""

    group_id: int | None
    group_name: str
    initiative_id: int | None
    initiative_group_id: int | None
    initiative_is_public: bool


def idea_links(idea_id: int) -> IdeaLinks:
    """The idea's group and its initiative in one query, so the idea's page
    costs no more than before the initiative link existed. Plain outer joins
    (an idea has at most one initiative: ``initiative_one_per_idea``), not
    subqueries: the same row, and a third of the ORM's work to build it."""
    from ideas.models import Idea

    row: Mapping[str, Any] = (
        Idea.objects.filter(pk=idea_id)
        .values(
            "on_behalf__group_id",
            "on_behalf__group__name",
            "initiatives__pk",
            "initiatives__group_id",
            "initiatives__status",
            "initiatives__group__approved_at",
        )
        .first()
    ) or {}
    initiative_id = row.get("initiatives__pk")
    return IdeaLinks(
        group_id=row.get("on_behalf__group_id"),
        group_name=row.get("on_behalf__group__name") or "",
        initiative_id=initiative_id,
        initiative_group_id=row.get("initiatives__group_id"),
        initiative_is_public=initiative_id is not None
        and row.get("initiatives__status") in PUBLIC_STATUSES
        and row.get("initiatives__group__approved_at") is not None,
    )


def idea_initiative(idea_id: int) -> Initiative | None:
    """The initiative that came from the idea, if any (there is at most one)."""
    return Initiative.objects.filter(source_idea_id=idea_id).order_by("pk").first()


def groups_for_idea_conversion(user: Viewer, idea: Any) -> QuerySet[CommunityGroup]:
    """Groups ``user`` may turn ``idea`` into an initiative of, by name.
    Twin of ``rules.can_convert_idea_for``."""
    if not rules.may_convert_idea(user, idea):
        return CommunityGroup.objects.none()
    groups = CommunityGroup.objects.approved()
    if not is_city_staff(user):
        groups = groups.filter(memberships__user=user, memberships__role=GroupMembership.Role.ADMIN)
    return groups.order_by("name", "pk")


def groups_to_submit_for(user: Viewer) -> list[CommunityGroup]:
    """Approved groups ``user`` belongs to: those an idea can be on behalf of."""
    if not rules.group_roles(user):
        return []
    return list(CommunityGroup.objects.approved().filter(memberships__user=user).order_by("name"))


def group_initiatives(group: CommunityGroup, *, include_drafts: bool) -> list[Initiative]:
    qs = Initiative.objects.filter(group=group).select_related("district")
    if not include_drafts:
        qs = qs.filter(status__in=PUBLIC_STATUSES)
    return list(qs.order_by("-created_at"))


def active_match_fund() -> Any:
    """The city's active match fund, or None (one query)."""
    from sponsors.models import MatchFund

    return MatchFund.objects.filter(is_active=True).first()


# --- facilitator ----------------------------------------------------------------------------------


def closing_soon(*, days: int = 30) -> QuerySet[Initiative]:
    """Initiatives with open needs whose next deadline falls within ``days``."""
    today = timezone.localdate()
    return (
        Initiative.objects.filter(
            status__in=[InitiativeStatus.SEEKING, InitiativeStatus.PARTLY],
            open_need_count__gt=0,
            next_deadline__gte=today,
            next_deadline__lte=today + timedelta(days=days),
        )
        .select_related("group")
        .order_by("next_deadline", "pk")
    )
