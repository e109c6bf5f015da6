"""Everything that changes groups, initiatives, needs, sponsors and offers.

Views, admin actions, tasks and the demo call these; each checks its rule
(``sponsors.rules``), writes in one transaction and writes the
notifications of the change in the same transaction (outbox).

Locking order, so two acceptances never deadlock: need → offer → initiative
→ match fund.

Optimistic concurrency (``civicideas.concurrency``): the group's decisions
on an initiative (edit, publish, cancel, complete), a need (close) and an
offer (accept, partly accept, decline, withdraw) take ``expected_version``,
checked under the row lock above; each bumps the thing's ``lock_version``.
Derived figures (``_initiative_refresh``, a need's ``fulfilled``) do not.

Quantities are ``Decimal`` with two places; CHECK constraints in the models
hold even if a rule here were wrong.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.contrib.postgres.search import SearchVector
from django.core.validators import EmailValidator, ValidationError
from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.concurrency import bump_version, check_version
from civicideas.content.search_config import search_config
from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.tenancy.permissions import is_city_staff
from civicideas.tenancy.roles import Role
from civicideas.text import ascii_urls, clean_text
from ideas.models import Category, District, Idea
from sponsors import rules
from sponsors.models import (
    NAME_MAX,
    OPEN_STATUSES,
    QUANTITY_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    CommunityGroup,
    GroupMembership,
    IdeaGroup,
    Initiative,
    InitiativeStatus,
    Introduction,
    MatchFund,
    MatchPledge,
    Need,
    Offer,
    ProgressUpdate,
    ResourceType,
    Sponsor,
    SponsorMembership,
    Unit,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal(0)
MESSAGE_MAX = 2_000

#: Units each need type may be counted in; funding is always in EUR so the
#: match fund and budget fit can add it up.
UNITS_FOR = {
    ResourceType.FUNDING: {Unit.EUR},
    ResourceType.SPACE: {Unit.SQM, Unit.HOURS},
    ResourceType.EXPERTISE: {Unit.HOURS, Unit.PEOPLE},
    ResourceType.MATERIALS: {Unit.ITEMS, Unit.EUR},
    ResourceType.VOLUNTEERS: {Unit.PEOPLE, Unit.HOURS},
    ResourceType.OTHER: set(Unit),
}


# --- input checks -------------------------------------------------------------------------


def clean_quantity(value: object, *, field: str) -> Decimal:
    """A positive, finite amount of at most ``QUANTITY_MAX`` with two decimals.

    Strings are refused on purpose: forms parse text into ``Decimal``, so a
    string reaching a service is a programming or API error, not input.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field}) from None
    if number.is_nan() or number.is_infinite() or (isinstance(value, float) and math.isnan(value)):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
    if number > QUANTITY_MAX:
        raise InvalidInput(
            _("%(field)s is too large: at most %(max)s.") % {"field": field, "max": "1,000,000,000"}
        )
    number = number.quantize(CENT, rounding=ROUND_DOWN)
    if number <= 0:
        raise InvalidInput(_("%(field)s must be more than zero.") % {"field": field})
    return number


def clean_website(value: object) -> str:
    """Only absolute http(s) URLs: a ``javascript:`` or ``data:`` link on a
    sponsor's page would run in the city's origin."""
    website = clean_text(value, field=_("Website"), max_length=200, required=False)
    if not website:
        return ""
    parts = urlsplit(website)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in website:
        raise InvalidInput(_("The website must be an address starting with http:// or https://."))
    # Stored with an ASCII hostname: a look-alike of a known domain shows
    # as punycode wherever the address is shown (pages, admin, API).
    return ascii_urls(website)


def _clean_email(value: object, *, field: str) -> str:
    email = clean_text(value, field=field, max_length=254, required=True)
    try:
        EmailValidator()(email)
    except ValidationError:
        raise InvalidInput(
            _("%(field)s is not a valid email address.") % {"field": field}
        ) from None
    return email


def _own_city(objects: Iterable[Any], *, message: str) -> list[Any]:
    items = list(objects or [])
    city = current_city()
    if any(getattr(obj, "city_id", None) != city.pk for obj in items):
        raise InvalidInput(message)
    return items


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _queue_recompute(
    *, initiative_ids: Iterable[int] = (), sponsor_ids: Iterable[int] = ()
) -> None:
    """After commit, recompute the matches a change affects (Celery). A
    broker outage only delays matches: the nightly full recompute catches up."""
    city_id = current_city().pk
    initiative_ids, sponsor_ids = list(initiative_ids), list(sponsor_ids)

    def send() -> None:
        from sponsors import tasks

        try:
            for pk in initiative_ids:
                tasks.recompute_initiative_matches.delay(city_id, pk)
            for pk in sponsor_ids:
                tasks.recompute_sponsor_matches.delay(city_id, pk)
        except Exception:
            logger.warning("Could not queue match recomputation", exc_info=True)

    transaction.on_commit(send)


def _staff_ids() -> list[int]:
    from civicideas.tenancy.models import Membership

    return list(
        Membership.objects.filter(roles__contains=[Role.CITY_ADMIN.value]).values_list(
            "user_id", flat=True
        )
    )


def _group_member_ids(group: CommunityGroup, *, admins_only: bool = False) -> list[int]:
    members = GroupMembership.objects.filter(group=group)
    if admins_only:
        members = members.filter(role=GroupMembership.Role.ADMIN)
    return list(members.values_list("user_id", flat=True))


def _sponsor_member_ids(sponsor: Sponsor) -> list[int]:
    return list(SponsorMembership.objects.filter(sponsor=sponsor).values_list("user_id", flat=True))


# --- groups ---------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *, by: Any, name: str, description: str = "", contact_email: str
) -> CommunityGroup:
    """A citizen creates a group and becomes its admin; the city approves it
    before it is listed."""
    if not rules.can_create_group(by):
        raise NotAllowed(_("Sign in to create a group."))
    group = CommunityGroup.objects.create(
        city=current_city(),
        name=clean_text(name, field=_("Name"), max_length=NAME_MAX, required=True),
        description=clean_text(
            description, field=_("Description"), max_length=TEXT_MAX, required=False
        ),
        contact_email=_clean_email(contact_email, field=_("Contact email")),
        created_by=by,
    )
    GroupMembership.objects.create(
        city=group.city, group=group, user=by, role=GroupMembership.Role.ADMIN
    )
    rules.forget_memberships(by)
    notify(
        recipient_ids=_staff_ids(),
        kind="group_to_approve",
        about=group,
        payload={"name": group.name},
    )
    return group


@transaction.atomic
def group_approve(*, group: CommunityGroup, by: Any) -> CommunityGroup:
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can approve groups."))
    group = CommunityGroup.objects.select_for_update().get(pk=group.pk)
    if group.approved_at is None:
        group.approved_at = timezone.now()
        group.approved_by = by
        group.save(update_fields=["approved_at", "approved_by"])
        notify(
            recipient_ids=_group_member_ids(group, admins_only=True),
            kind="group_approved",
            about=group,
            payload={"name": group.name},
        )
    return group


@transaction.atomic
def group_member_add(
    *, group: CommunityGroup, by: Any, user: Any, role: str = GroupMembership.Role.MEMBER
) -> GroupMembership:
    """A group admin adds a person (who must already have an account)."""
    if not rules.is_group_admin(by, group):
        raise NotAllowed(_("Only the group's administrators can add members."))
    if role not in GroupMembership.Role.values:
        raise InvalidInput(_("Choose a valid role."))
    membership, created = GroupMembership.objects.get_or_create(
        group=group, user=user, defaults={"city": group.city, "role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    rules.forget_memberships(user)
    return membership


@transaction.atomic
def idea_link_group(*, idea: Idea, group: CommunityGroup, by: Any) -> IdeaGroup:
    """Mark an idea as submitted on behalf of a group: its author must be a
    member of the (approved) group."""
    if idea.author_id != getattr(by, "pk", None) or not rules.is_group_member(by, group):
        raise NotAllowed(_("Only a member of the group can submit an idea on its behalf."))
    if not group.is_approved:
        raise NotAllowed(_("The group is not approved yet."))
    link, _created = IdeaGroup.objects.update_or_create(
        idea=idea, defaults={"group": group, "city": idea.city}
    )
    _bump_idea_page(idea.pk)
    return link


# --- initiatives --------------------------------------------------------------------------------


def _check_initiative_fields(
    *,
    title: str,
    summary: str,
    description: str,
    categories: Iterable[Category],
    district: District | None,
    starts_on: Any,
    ends_on: Any,
) -> dict[str, Any]:
    cats = _own_city(categories, message=_("Choose one of the city's categories."))
    if district is not None:
        _own_city([district], message=_("Choose one of the city's districts."))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(_("The end date must be after the start date."))
    return {
        "title": clean_text(title, field=_("Title"), max_length=NAME_MAX, required=True),
        "summary": clean_text(summary, field=_("Summary"), max_length=SUMMARY_MAX, required=False),
        "description": clean_text(
            description, field=_("Description"), max_length=TEXT_MAX, required=False
        ),
        "categories": cats,
        "district": district,
        "starts_on": starts_on or None,
        "ends_on": ends_on or None,
    }


def _refresh_initiative_search(initiative: Initiative) -> None:
    config = search_config(current_city().default_language)
    Initiative.objects.filter(pk=initiative.pk).update(
        search_vector=SearchVector(Value(initiative.title), weight="A", config=config)
        + SearchVector(Value(initiative.summary), weight="B", config=config)
        + SearchVector(Value(initiative.description), weight="C", config=config)
    )


def _attach_image(obj: Any, field: str, upload: Any) -> None:
    from civicideas.content.uploads import process_image

    processed = process_image(upload)
    getattr(obj, field).save(processed.name, processed.content, save=False)


@transaction.atomic
def initiative_create(
    *,
    group: CommunityGroup,
    by: Any,
    title: str,
    summary: str = "",
    description: str = "",
    categories: Iterable[Category] = (),
    district: District | None = None,
    starts_on: Any = None,
    ends_on: Any = None,
    image: Any = None,
    image_alt: str = "",
    source_idea: Idea | None = None,
) -> Initiative:
    """A group admin drafts an initiative.

    From an idea (``source_idea``): the idea must be accepted (or in
    progress, or implemented) and may become only one initiative; its author
    turns it into an initiative of an approved group they administer, city
    staff into one of any approved group. The idea's row is locked while
    checking, so two concurrent conversions cannot both pass."""
    if source_idea is None:
        if not rules.can_create_initiative(by, group):
            raise NotAllowed(_("Only the group's administrators can create initiatives."))
    else:
        source_idea = _check_idea_conversion(idea=source_idea, group=group, by=by)
    fields = _check_initiative_fields(
        title=title,
        summary=summary,
        description=description,
        categories=categories,
        district=district,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    cats = fields.pop("categories")
    initiative = Initiative(
        city=current_city(),
        group=group,
        created_by=by,
        source_idea=source_idea,
        image_alt=clean_text(
            image_alt, field=_("Image description"), max_length=200, required=False
        ),
        **fields,
    )
    if image:
        _attach_image(initiative, "image", image)
    initiative.save()
    initiative.categories.set(cats)
    _refresh_initiative_search(initiative)
    if source_idea is not None:
        # The author and the group's administrators hear of it (not the
        # person who did it); the idea's cached public page shows the link.
        notify(
            recipient_ids=[
                uid
                for uid in [source_idea.author_id, *_group_member_ids(group, admins_only=True)]
                if uid != by.pk
            ],
            kind="idea_became_initiative",
            about=initiative,
            payload={"title": initiative.title, "idea": source_idea.title, "group": group.name},
        )
        _bump_idea_page(source_idea.pk)
    return initiative


def _check_idea_conversion(*, idea: Idea, group: CommunityGroup, by: Any) -> Idea:
    """The rules of turning ``idea`` into an initiative of ``group``
    (``rules.can_convert_idea_for``, with a message for each reason).
    Returns the idea re-read under its row lock: call inside the transaction."""
    _own_city([idea], message=_("Choose one of the city's ideas."))
    _own_city([group], message=_("Choose one of the city's groups."))
    locked = Idea.objects.select_for_update().filter(pk=idea.pk).first()
    if locked is None:
        raise InvalidInput(_("Choose one of the city's ideas."))
    if locked.status not in rules.CONVERTIBLE_IDEA_STATUSES:
        raise InvalidInput(_("Only an accepted idea can become an initiative."))
    if locked.author_id != getattr(by, "pk", None) and not is_city_staff(by):
        raise NotAllowed(_("Only the idea's author or the city can turn it into an initiative."))
    if not is_city_staff(by) and not rules.is_group_admin(by, group):
        raise NotAllowed(_("Only the group's administrators can create initiatives."))
    if not group.is_approved:
        raise InvalidInput(_("Choose a group the city has approved."))
    existing = Initiative.objects.filter(source_idea=locked).order_by("pk").first()
    if existing is not None:
        raise Conflict(
            _("This idea is already an initiative: “%(title)s”.") % {"title": existing.title}
        )
    return locked


def _bump_idea_page(idea_id: int) -> None:
    """Anonymous visitors' cached copy of the idea's page is renewed after
    the commit (it shows the initiative that came from the idea)."""
    from civicideas.web.page_cache import bump_on_commit
    from ideas import cache_keys

    bump_on_commit(cache_keys.idea_scope(current_city().pk, idea_id))


@transaction.atomic
def initiative_update(
    *,
    initiative: Initiative,
    by: Any,
    expected_version: int | None = None,
    **changes: Any,
) -> Initiative:
    """Edit an initiative's texts, categories, district, dates or image.

    ``expected_version``: the ``lock_version`` the edit form was read at; a
    colleague's save since then raises ``StaleEdit`` and nothing changes."""
    if not rules.can_manage_initiative(by, initiative):
        raise NotAllowed(_("Only the group's administrators can edit this initiative."))
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    check_version(initiative, expected_version)
    current = {
        "title": initiative.title,
        "summary": initiative.summary,
        "description": initiative.description,
        "categories": list(initiative.categories.all()),
        "district": initiative.district,
        "starts_on": initiative.starts_on,
        "ends_on": initiative.ends_on,
    }
    image = changes.pop("image", None)
    image_alt = changes.pop("image_alt", None)
    unknown = set(changes) - set(current)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(unknown)})
    fields = _check_initiative_fields(**{**current, **changes})
    cats = fields.pop("categories")
    for name, value in fields.items():
        setattr(initiative, name, value)
    if image_alt is not None:
        initiative.image_alt = clean_text(
            image_alt, field=_("Image description"), max_length=200, required=False
        )
    if image:
        _attach_image(initiative, "image", image)
    bump_version(initiative, by=by)
    initiative.save()
    initiative.categories.set(cats)
    _refresh_initiative_search(initiative)
    if initiative.status != InitiativeStatus.DRAFT:
        _queue_recompute(initiative_ids=[initiative.pk])
    return initiative


def _initiative_refresh(initiative: Initiative) -> Initiative:
    """Recompute the denormalised need figures and the derived status.

    Precondition: the caller holds the initiative's row lock (or created it
    in this transaction). Draft, completed and cancelled are the group's
    choices and stay; otherwise the status follows the needs.
    """
    today = timezone.localdate()
    open_q = Q(closed_at__isnull=True, fulfilled__lt=F("quantity"))
    figures = Need.objects.filter(initiative=initiative).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=open_q),
        progressed=Count("pk", filter=Q(fulfilled__gt=0)),
        deadline=Min("deadline", filter=open_q & Q(deadline__gte=today)),
        funding=Coalesce(
            Sum(F("quantity") - F("fulfilled"), filter=open_q & Q(kind=ResourceType.FUNDING)),
            ZERO,
        ),
    )
    types = sorted(
        set(Need.objects.filter(open_q, initiative=initiative).values_list("kind", flat=True))
    )
    status = initiative.status
    if status in OPEN_STATUSES:
        if figures["total"] and not figures["open"]:
            status = InitiativeStatus.FULLY
        elif figures["progressed"]:
            status = InitiativeStatus.PARTLY
        else:
            status = InitiativeStatus.SEEKING
    initiative.status = status
    initiative.open_need_count = figures["open"]
    initiative.open_need_types = types
    initiative.next_deadline = figures["deadline"]
    initiative.funding_remaining = figures["funding"]
    initiative.save(
        update_fields=[
            "status",
            "open_need_count",
            "open_need_types",
            "next_deadline",
            "funding_remaining",
            "updated_at",
        ]
    )
    return initiative


def _locked_initiative(initiative: Initiative) -> Initiative:
    return Initiative.objects.select_for_update().select_related("group").get(pk=initiative.pk)


@transaction.atomic
def initiative_publish(
    *, initiative: Initiative, by: Any, expected_version: int | None = None
) -> Initiative:
    """Draft → seeking support. The group must be approved by the city."""
    if not rules.can_manage_initiative(by, initiative):
        raise NotAllowed(_("Only the group's administrators can publish this initiative."))
    initiative = _locked_initiative(initiative)
    check_version(initiative, expected_version)
    if not initiative.group.is_approved:
        raise NotAllowed(_("The city has not approved the group yet."))
    if initiative.status != InitiativeStatus.DRAFT:
        raise Conflict(_("This initiative is already published."))
    initiative.status = InitiativeStatus.SEEKING
    initiative.published_at = timezone.now()
    initiative.save(update_fields=["status", "published_at", *bump_version(initiative, by=by)])
    _initiative_refresh(initiative)
    _queue_recompute(initiative_ids=[initiative.pk])
    if initiative.source_idea_id is not None:
        _bump_idea_page(initiative.source_idea_id)
    return initiative


def _close(
    initiative: Initiative, *, by: Any, to: str, kind: str, expected_version: int | None
) -> Initiative:
    if not rules.can_manage_initiative(by, initiative):
        raise NotAllowed(_("Only the group's administrators can change this initiative."))
    initiative = _locked_initiative(initiative)
    check_version(initiative, expected_version)
    if initiative.status in (InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED):
        raise Conflict(_("This initiative is already closed."))
    initiative.status = to
    initiative.save(update_fields=["status", "updated_at", *bump_version(initiative, by=by)])
    # Sponsors whose offers were pending (they cannot be accepted any more)
    # or accepted (they helped) hear how it ended, and so do the group's
    # other members.
    offers = Offer.objects.filter(initiative=initiative)
    sponsor_ids = set(
        offers.filter(
            state__in=[Offer.State.OFFERED, Offer.State.ACCEPTED, Offer.State.PARTLY_ACCEPTED]
        ).values_list("sponsor_id", flat=True)
    )
    now = timezone.now()
    offers.filter(state=Offer.State.OFFERED).update(
        state=Offer.State.DECLINED,
        decided_by=by,
        decided_at=now,
        lock_version=F("lock_version") + 1,
        last_changed_by=by,
        last_changed_at=now,
    )
    sponsor_people = SponsorMembership.objects.filter(sponsor_id__in=sponsor_ids).values_list(
        "user_id", flat=True
    )
    group_people = [uid for uid in _group_member_ids(initiative.group) if uid != by.pk]
    notify(
        recipient_ids=[*sponsor_people, *group_people],
        kind=kind,
        about=initiative,
        payload={"title": initiative.title},
    )
    _initiative_refresh(initiative)
    _queue_recompute(initiative_ids=[initiative.pk])
    return initiative


@transaction.atomic
def initiative_cancel(
    *, initiative: Initiative, by: Any, expected_version: int | None = None
) -> Initiative:
    return _close(
        initiative,
        by=by,
        to=InitiativeStatus.CANCELLED,
        kind="initiative_cancelled",
        expected_version=expected_version,
    )


@transaction.atomic
def initiative_complete(
    *, initiative: Initiative, by: Any, expected_version: int | None = None
) -> Initiative:
    if initiative.status == InitiativeStatus.DRAFT:
        raise Conflict(_("Publish the initiative before completing it."))
    return _close(
        initiative,
        by=by,
        to=InitiativeStatus.COMPLETED,
        kind="initiative_completed",
        expected_version=expected_version,
    )


@transaction.atomic
def need_add(
    *,
    initiative: Initiative,
    by: Any,
    kind: str,
    quantity: Any,
    unit: str,
    description: str = "",
    deadline: Any = None,
) -> Need:
    if not rules.can_manage_initiative(by, initiative):
        raise NotAllowed(_("Only the group's administrators can add needs."))
    if kind not in ResourceType.values:
        raise InvalidInput(_("Choose a type of need."))
    if unit not in UNITS_FOR[ResourceType(kind)]:
        raise InvalidInput(_("This unit does not fit this type of need."))
    initiative = _locked_initiative(initiative)
    if initiative.status in (InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED):
        raise Conflict(_("This initiative is closed."))
    if deadline is not None and deadline < timezone.localdate():
        raise InvalidInput(_("The deadline cannot be in the past."))
    need = Need.objects.create(
        city=initiative.city,
        initiative=initiative,
        kind=kind,
        quantity=clean_quantity(quantity, field=_("Quantity")),
        unit=unit,
        description=clean_text(
            description, field=_("Description"), max_length=SUMMARY_MAX, required=False
        ),
        deadline=deadline,
    )
    _initiative_refresh(initiative)
    if initiative.status != InitiativeStatus.DRAFT:
        _queue_recompute(initiative_ids=[initiative.pk])
    return need


@transaction.atomic
def need_close(*, need: Need, by: Any, expected_version: int | None = None) -> Need:
    """The group no longer needs the rest of it; pending offers are declined.
    ``expected_version``: the need's ``lock_version`` the page showed."""
    need = Need.objects.select_for_update().select_related("initiative__group").get(pk=need.pk)
    if not rules.can_manage_initiative(by, need.initiative):
        raise NotAllowed(_("Only the group's administrators can close needs."))
    check_version(need, expected_version)
    if need.closed_at is None:
        need.closed_at = timezone.now()
        need.save(update_fields=["closed_at", *bump_version(need, by=by)])
        now = timezone.now()
        Offer.objects.filter(need=need, state=Offer.State.OFFERED).update(
            state=Offer.State.DECLINED,
            decided_by=by,
            decided_at=now,
            lock_version=F("lock_version") + 1,
            last_changed_by=by,
            last_changed_at=now,
        )
        _initiative_refresh(_locked_initiative(need.initiative))
        _queue_recompute(initiative_ids=[need.initiative_id])
    return need


@transaction.atomic
def progress_update_post(
    *, initiative: Initiative, by: Any, text: str, image: Any = None, image_alt: str = ""
) -> ProgressUpdate:
    if not rules.can_post_update(by, initiative):
        raise NotAllowed(_("Only the group's members can post updates on a published initiative."))
    update = ProgressUpdate(
        city=initiative.city,
        initiative=initiative,
        author=by,
        text=clean_text(text, field=_("Text"), max_length=TEXT_MAX, required=True),
        image_alt=clean_text(
            image_alt, field=_("Image description"), max_length=200, required=False
        ),
    )
    if image:
        _attach_image(update, "image", image)
    update.save()
    return update


# --- sponsors -------------------------------------------------------------------------------------


def _check_sponsor_fields(
    *,
    name: str,
    kind: str,
    description: str,
    website: str,
    contact_email: str,
    categories: Iterable[Category],
    districts: Iterable[District],
    city_wide: bool,
    resource_types: Iterable[str],
    budget_min: Any,
    budget_max: Any,
) -> dict[str, Any]:
    if kind not in Sponsor.Kind.values:
        raise InvalidInput(_("Choose what kind of sponsor you are."))
    types = sorted(set(resource_types or []))
    if not types or any(t not in ResourceType.values for t in types):
        raise InvalidInput(_("Choose at least one resource you can offer."))
    bmin = clean_quantity(budget_min, field=_("Budget")) if budget_min not in (None, "") else None
    bmax = clean_quantity(budget_max, field=_("Budget")) if budget_max not in (None, "") else None
    if bmin is not None and bmax is not None and bmax < bmin:
        raise InvalidInput(_("The budget's upper end must not be below its lower end."))
    return {
        "name": clean_text(name, field=_("Name"), max_length=NAME_MAX, required=True),
        "kind": kind,
        "description": clean_text(
            description, field=_("Description"), max_length=TEXT_MAX, required=False
        ),
        "website": clean_website(website),
        "contact_email": _clean_email(contact_email, field=_("Contact email")),
        "categories": _own_city(categories, message=_("Choose one of the city's categories.")),
        "districts": _own_city(districts, message=_("Choose one of the city's districts.")),
        "city_wide": bool(city_wide),
        "resource_types": types,
        "budget_min": bmin,
        "budget_max": bmax,
    }


def _refresh_sponsor_search(sponsor: Sponsor) -> None:
    config = search_config(current_city().default_language)
    Sponsor.objects.filter(pk=sponsor.pk).update(
        search_vector=SearchVector(Value(sponsor.name), weight="B", config=config)
        + SearchVector(Value(sponsor.description), weight="A", config=config)
    )


@transaction.atomic
def sponsor_register(
    *,
    by: Any,
    name: str,
    kind: str,
    contact_email: str,
    description: str = "",
    website: str = "",
    categories: Iterable[Category] = (),
    districts: Iterable[District] = (),
    city_wide: bool = False,
    resource_types: Iterable[str] = (),
    budget_min: Any = None,
    budget_max: Any = None,
    logo: Any = None,
) -> Sponsor:
    """An organisation signs up; it can make offers once the city verifies it."""
    if not _signed_in(by):
        raise NotAllowed(_("Sign in to register a sponsor."))
    fields = _check_sponsor_fields(
        name=name,
        kind=kind,
        description=description,
        website=website,
        contact_email=contact_email,
        categories=categories,
        districts=districts,
        city_wide=city_wide,
        resource_types=resource_types,
        budget_min=budget_min,
        budget_max=budget_max,
    )
    cats, dists = fields.pop("categories"), fields.pop("districts")
    sponsor = Sponsor(city=current_city(), created_by=by, **fields)
    if logo:
        _attach_image(sponsor, "logo", logo)
    sponsor.save()
    sponsor.categories.set(cats)
    sponsor.districts.set(dists)
    SponsorMembership.objects.create(
        city=sponsor.city, sponsor=sponsor, user=by, role=SponsorMembership.Role.ADMIN
    )
    rules.forget_memberships(by)
    _refresh_sponsor_search(sponsor)
    notify(
        recipient_ids=_staff_ids(),
        kind="sponsor_to_verify",
        about=sponsor,
        payload={"name": sponsor.name},
    )
    _queue_recompute(sponsor_ids=[sponsor.pk])
    return sponsor


@transaction.atomic
def sponsor_update(*, sponsor: Sponsor, by: Any, **changes: Any) -> Sponsor:
    if not rules.is_sponsor_admin(by, sponsor):
        raise NotAllowed(_("Only the sponsor's administrators can edit its profile."))
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    current = {
        "name": sponsor.name,
        "kind": sponsor.kind,
        "description": sponsor.description,
        "website": sponsor.website,
        "contact_email": sponsor.contact_email,
        "categories": list(sponsor.categories.all()),
        "districts": list(sponsor.districts.all()),
        "city_wide": sponsor.city_wide,
        "resource_types": sponsor.resource_types,
        "budget_min": sponsor.budget_min,
        "budget_max": sponsor.budget_max,
    }
    logo = changes.pop("logo", None)
    unknown = set(changes) - set(current)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(unknown)})
    fields = _check_sponsor_fields(**{**current, **changes})
    cats, dists = fields.pop("categories"), fields.pop("districts")
    for name, value in fields.items():
        setattr(sponsor, name, value)
    if logo:
        _attach_image(sponsor, "logo", logo)
    sponsor.save()
    sponsor.categories.set(cats)
    sponsor.districts.set(dists)
    _refresh_sponsor_search(sponsor)
    _queue_recompute(sponsor_ids=[sponsor.pk])
    return sponsor


@transaction.atomic
def sponsor_verify(*, sponsor: Sponsor, by: Any) -> Sponsor:
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can verify sponsors."))
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    if sponsor.verified_at is None:
        sponsor.verified_at = timezone.now()
        sponsor.verified_by = by
        sponsor.save(update_fields=["verified_at", "verified_by"])
        notify(
            recipient_ids=_sponsor_member_ids(sponsor),
            kind="sponsor_verified",
            about=sponsor,
            payload={"name": sponsor.name},
        )
    return sponsor


@transaction.atomic
def sponsor_member_add(
    *, sponsor: Sponsor, by: Any, user: Any, role: str = SponsorMembership.Role.MEMBER
) -> SponsorMembership:
    if not rules.is_sponsor_admin(by, sponsor):
        raise NotAllowed(_("Only the sponsor's administrators can add members."))
    if role not in SponsorMembership.Role.values:
        raise InvalidInput(_("Choose a valid role."))
    membership, _created = SponsorMembership.objects.update_or_create(
        sponsor=sponsor, user=user, defaults={"city": sponsor.city, "role": role}
    )
    rules.forget_memberships(user)
    return membership


# --- offers ---------------------------------------------------------------------------------------


@transaction.atomic
def offer_make(
    *,
    sponsor: Sponsor,
    need: Need,
    by: Any,
    quantity: Any,
    message: str = "",
    conditions: str = "",
) -> Offer:
    """A member of a verified sponsor offers (part of) an open need.

    Every check comes before the first write, so a refused offer writes
    nothing.
    """
    city = current_city()
    if sponsor.city_id != city.pk or need.city_id != city.pk:
        raise InvalidInput(_("This need is not one of this city's."))
    if not rules.is_sponsor_member(by, sponsor):
        raise NotAllowed(_("Only the sponsor's members can make offers for it."))
    if not sponsor.is_verified:
        raise NotAllowed(_("The city must verify your organisation before it can make offers."))
    amount = clean_quantity(quantity, field=_("Quantity"))
    message = clean_text(message, field=_("Message"), max_length=MESSAGE_MAX, required=False)
    conditions = clean_text(
        conditions, field=_("Conditions"), max_length=MESSAGE_MAX, required=False
    )
    need = Need.objects.select_related("initiative__group").get(pk=need.pk)
    initiative = need.initiative
    if not initiative.accepts_offers or not need.is_open:
        raise Conflict(_("This need does not accept offers any more."))
    if need.deadline is not None and need.deadline < timezone.localdate():
        raise Conflict(_("The deadline of this need has passed."))
    offer = Offer.objects.create(
        city=city,
        sponsor=sponsor,
        need=need,
        initiative=initiative,
        quantity=amount,
        message=message,
        conditions=conditions,
        made_by=by,
    )
    notify(
        recipient_ids=_group_member_ids(initiative.group, admins_only=True),
        kind="offer_received",
        about=offer,
        payload={"sponsor": sponsor.name, "initiative": initiative.title, "quantity": str(amount)},
    )
    return offer


@dataclass(frozen=True)
class Acceptance:
    offer: Offer
    accepted: Decimal
    matched: Decimal
    fund_exhausted: bool


def _match(*, offer: Offer, need: Need, amount: Decimal) -> tuple[Decimal, bool]:
    """Pledge the city's match for ``amount`` EUR accepted from a sponsor.

    Precondition: the need's row lock is held. Takes the fund's row lock so
    concurrent acceptances (even on other initiatives) commit within the
    total budget; the per-initiative cap is read under the same lock.
    Returns (pledged, fund now exhausted).
    """
    if need.kind != ResourceType.FUNDING or need.unit != Unit.EUR:
        return ZERO, False
    fund = MatchFund.objects.select_for_update().filter(is_active=True).first()
    if fund is None:
        return ZERO, False
    already = MatchPledge.objects.filter(fund=fund, initiative_id=need.initiative_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    pledge = min(
        (amount * fund.ratio).quantize(CENT, rounding=ROUND_DOWN),
        fund.cap_per_initiative - already,
        fund.total_budget - fund.committed,
        need.quantity - need.fulfilled,  # the match fills the need too, never above it
    )
    if pledge <= 0:
        return ZERO, fund.total_budget - fund.committed <= 0
    MatchPledge.objects.create(
        city=fund.city, fund=fund, offer=offer, initiative_id=need.initiative_id, amount=pledge
    )
    MatchFund.objects.filter(pk=fund.pk).update(committed=F("committed") + pledge)
    need.fulfilled += pledge
    return pledge, fund.total_budget - fund.committed - pledge <= 0


@transaction.atomic
def offer_accept(
    *, offer: Offer, by: Any, quantity: Any = None, expected_version: int | None = None
) -> Acceptance:
    """The group accepts an offer, all of it or ``quantity`` of it.

    Locks the need's row first, so parallel acceptances on the same need
    queue up and each sees what the previous one filled: the fulfilled
    quantity never exceeds the need (CHECK constraint as a backstop). An
    acceptance asking more than is still needed is refused with the
    remaining amount, so the group can accept part of the offer. Funding in
    EUR is matched by the city's fund within its caps (``_match``).
    ``expected_version``: the offer's ``lock_version`` the group saw.
    """
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("initiative__group")
        .filter(pk=offer.need_id)
        .first()
    )
    if need is None:
        raise NotAllowed(_("This offer is not one of this city's."))
    if not rules.can_manage_initiative(by, need.initiative):
        raise NotAllowed(_("Only the administrators of this initiative's group can accept offers."))
    offer = Offer.objects.select_for_update(of=("self",)).select_related("sponsor").get(pk=offer.pk)
    check_version(offer, expected_version)
    if offer.state != Offer.State.OFFERED:
        raise Conflict(_("This offer has already been decided or withdrawn."))
    initiative = _locked_initiative(need.initiative)
    if not initiative.accepts_offers or need.closed_at is not None:
        raise Conflict(_("This need does not accept offers any more."))
    amount = (
        offer.quantity if quantity in (None, "") else clean_quantity(quantity, field=_("Quantity"))
    )
    if amount > offer.quantity:
        raise InvalidInput(_("You cannot accept more than was offered."))
    remaining = need.quantity - need.fulfilled
    if remaining <= 0:
        raise Conflict(_("This need is already fully resourced."))
    if amount > remaining:
        raise Conflict(
            _("Only %(remaining)s %(unit)s are still needed. Accept part of the offer instead.")
            % {"remaining": remaining, "unit": need.get_unit_display()}
        )
    need.fulfilled += amount
    offer.accepted_quantity = amount
    offer.state = Offer.State.ACCEPTED if amount == offer.quantity else Offer.State.PARTLY_ACCEPTED
    offer.decided_by = by
    offer.decided_at = timezone.now()
    offer.save(
        update_fields=[
            "accepted_quantity",
            "state",
            "decided_by",
            "decided_at",
            *bump_version(offer, by=by),
        ]
    )
    matched, exhausted = _match(offer=offer, need=need, amount=amount)
    need.save(update_fields=["fulfilled"])
    _initiative_refresh(initiative)
    payload = {
        "sponsor": offer.sponsor.name,
        "initiative": initiative.title,
        "accepted": str(amount),
        "unit": need.unit,
        "matched": str(matched),
    }
    notify(
        recipient_ids=_sponsor_member_ids(offer.sponsor),
        kind="offer_accepted",
        about=offer,
        payload=payload,
    )
    notify(
        recipient_ids=[uid for uid in _group_member_ids(initiative.group) if uid != by.pk],
        kind="offer_accepted_by_group",
        about=offer,
        payload=payload,
    )
    if matched:
        notify(recipient_ids=_staff_ids(), kind="match_pledged", about=offer, payload=payload)
    _queue_recompute(initiative_ids=[initiative.pk])
    return Acceptance(offer=offer, accepted=amount, matched=matched, fund_exhausted=exhausted)


@transaction.atomic
def offer_decline(
    *, offer: Offer, by: Any, reason: str = "", expected_version: int | None = None
) -> Offer:
    """The group declines an offer (``expected_version`` as for accepting)."""
    offer = (
        Offer.objects.select_for_update()
        .select_related("sponsor", "initiative__group")
        .get(pk=offer.pk)
    )
    if not rules.can_decide_offer(by, offer):
        raise NotAllowed(
            _("Only the administrators of this initiative's group can decline offers.")
        )
    check_version(offer, expected_version)
    if offer.state != Offer.State.OFFERED:
        raise Conflict(_("This offer has already been decided or withdrawn."))
    reason = clean_text(reason, field=_("Reason"), max_length=MESSAGE_MAX, required=False)
    offer.state = Offer.State.DECLINED
    offer.decided_by = by
    offer.decided_at = timezone.now()
    offer.save(update_fields=["state", "decided_by", "decided_at", *bump_version(offer, by=by)])
    notify(
        recipient_ids=_sponsor_member_ids(offer.sponsor),
        kind="offer_declined",
        about=offer,
        payload={"initiative": offer.initiative.title, "reason": reason},
    )
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, by: Any) -> Offer:
    offer = (
        Offer.objects.select_for_update()
        .select_related("sponsor", "initiative__group")
        .get(pk=offer.pk)
    )
    if not rules.is_sponsor_member(by, offer.sponsor):
        raise NotAllowed(_("Only the sponsor's members can withdraw its offers."))
    if offer.state != Offer.State.OFFERED:
        raise Conflict(_("This offer has already been decided or withdrawn."))
    offer.state = Offer.State.WITHDRAWN
    offer.decided_by = by
    offer.decided_at = timezone.now()
    offer.save(update_fields=["state", "decided_by", "decided_at", *bump_version(offer, by=by)])
    notify(
        recipient_ids=_group_member_ids(offer.initiative.group, admins_only=True),
        kind="offer_withdrawn",
        about=offer,
        payload={"sponsor": offer.sponsor.name},
    )
    return offer


# --- facilitation ---------------------------------------------------------------------------------


@transaction.atomic
def introduction_make(
    *, sponsor: Sponsor, initiative: Initiative, by: Any, message: str = ""
) -> Introduction:
    """A facilitator introduces a sponsor to an initiative; both sides are
    notified. Introducing the same pair twice returns the first introduction."""
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can introduce sponsors."))
    _own_city([sponsor, initiative], message=_("Choose a sponsor and an initiative of this city."))
    if not initiative.is_public:
        raise Conflict(_("Only published initiatives can be introduced."))
    message = clean_text(message, field=_("Message"), max_length=MESSAGE_MAX, required=False)
    existing = Introduction.objects.filter(sponsor=sponsor, initiative=initiative).first()
    if existing is not None:
        return existing
    intro = Introduction.objects.create(
        city=current_city(),
        sponsor=sponsor,
        initiative=initiative,
        introduced_by=by,
        message=message,
    )
    payload = {"sponsor": sponsor.name, "initiative": initiative.title, "message": message}
    notify(
        recipient_ids=_sponsor_member_ids(sponsor),
        kind="introduction",
        about=intro,
        payload=payload,
    )
    notify(
        recipient_ids=_group_member_ids(initiative.group, admins_only=True),
        kind="introduction",
        about=intro,
        payload=payload,
    )
    return intro


@transaction.atomic
def match_fund_set(
    *,
    by: Any,
    name: str,
    ratio: Any,
    cap_per_initiative: Any,
    total_budget: Any,
) -> MatchFund:
    """Create or change the city's active match fund. The budget can never
    drop below what is already committed."""
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can manage the match fund."))
    ratio = clean_quantity(ratio, field=_("Ratio"))
    cap = clean_quantity(cap_per_initiative, field=_("Cap per initiative"))
    budget = clean_quantity(total_budget, field=_("Total budget"))
    fund = MatchFund.objects.select_for_update().filter(is_active=True).first()
    if fund is None:
        fund = MatchFund(city=current_city())
    if budget < fund.committed:
        raise Conflict(
            _("The budget cannot be lower than what is already committed (%(c)s EUR).")
            % {"c": fund.committed}
        )
    fund.name = clean_text(name, field=_("Name"), max_length=NAME_MAX, required=True)
    fund.ratio, fund.cap_per_initiative, fund.total_budget = ratio, cap, budget
    fund.save()
    return fund
