"""Initiatives and their needs: creating (also from an idea), editing,
publishing, closing, needs and progress updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Avg, Count, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.concurrency import bump_version, check_version
from civicideas.content.search_config import search_config
from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.kinds import Kind
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.tenancy.permissions import is_city_staff
from civicideas.text import clean_text
from ideas.models import Category, District, Idea
from sponsors import notifications as kinds
from sponsors import rules
from sponsors.models import (
    NAME_MAX,
    OPEN_STATUSES,
    SUMMARY_MAX,
    TEXT_MAX,
    CommunityGroup,
    Initiative,
    InitiativeStatus,
    Need,
    Offer,
    ProgressUpdate,
    ResourceType,
    SponsorMembership,
)
from sponsors.services.checks import (
    UNITS_FOR,
    ZERO,
    _bump_idea_page,
    _group_member_ids,
    _own_city,
    _queue_recompute,
    clean_quantity,
)

if TYPE_CHECKING:
    from civicideas.accounts.models import User


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
    by: User,
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
            kind=kinds.IDEA_BECAME_INITIATIVE,
            about=initiative,
            payload={"title": initiative.title, "idea": source_idea.title, "group": group.name},
        )
        _bump_idea_page(source_idea.pk)
    return initiative


def _check_idea_conversion(*, idea: Idea, group: CommunityGroup, by: User) -> Idea:
    """The rules of turning ``idea`` into an initiative of ``group``
    (``rules.can_convert_idea_for``, with a message for each reason).
    Returns the idea re-read under its row lock: call inside the transaction."""
    _own_city([idea], message=_("Choose one of the city's ideas."))
    _own_city([group], message=_("Choose one of the city's groups."))
    locked = Idea.objects.select_for_update().filter(pk=idea.pk).first()
    if locked is None:
        raise InvalidInput(_("Choose one of the city's ideas."))
    if (refusal := rules.idea_conversion_refusal(by, locked)) is not None:
        raise refusal
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


@transaction.atomic
def initiative_update(
    *,
    initiative: Initiative,
    by: User,
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


#: Needs the group closed before they were met: no longer part of the progress.
GIVEN_UP = Q(closed_at__isnull=False, fulfilled__lt=F("quantity"))


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
        progress=Avg(F("fulfilled") * 100 / F("quantity"), filter=~GIVEN_UP),
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
    initiative.progress_percent = min(100, int(figures["progress"] or 0))
    initiative.save(
        update_fields=[
            "status",
            "open_need_count",
            "open_need_types",
            "next_deadline",
            "funding_remaining",
            "progress_percent",
            "updated_at",
        ]
    )
    return initiative


def _locked_initiative(initiative: Initiative) -> Initiative:
    return Initiative.objects.select_for_update().select_related("group").get(pk=initiative.pk)


@transaction.atomic
def initiative_publish(
    *, initiative: Initiative, by: User, expected_version: int | None = None
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
    initiative: Initiative, *, by: User, to: str, kind: Kind, expected_version: int | None
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
    # Residents who offered their own time hear it too.
    volunteers = list(
        offers.filter(
            sponsor__isnull=True,
            state__in=[Offer.State.OFFERED, Offer.State.ACCEPTED, Offer.State.PARTLY_ACCEPTED],
        ).values_list("made_by_id", flat=True)
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
    sponsor_people = list(
        SponsorMembership.objects.filter(sponsor_id__in=sponsor_ids).values_list(
            "user_id", flat=True
        )
    )

    group_people = [uid for uid in _group_member_ids(initiative.group) if uid != by.pk]
    notify(
        recipient_ids=list(dict.fromkeys([*sponsor_people, *volunteers, *group_people])),
        kind=kind,
        about=initiative,
        payload={"title": initiative.title},
    )
    _initiative_refresh(initiative)
    _queue_recompute(initiative_ids=[initiative.pk])
    return initiative


@transaction.atomic
def initiative_cancel(
    *, initiative: Initiative, by: User, expected_version: int | None = None
) -> Initiative:
    return _close(
        initiative,
        by=by,
        to=InitiativeStatus.CANCELLED,
        kind=kinds.INITIATIVE_CANCELLED,
        expected_version=expected_version,
    )


@transaction.atomic
def initiative_complete(
    *, initiative: Initiative, by: User, expected_version: int | None = None
) -> Initiative:
    if initiative.status == InitiativeStatus.DRAFT:
        raise Conflict(_("Publish the initiative before completing it."))
    return _close(
        initiative,
        by=by,
        to=InitiativeStatus.COMPLETED,
        kind=kinds.INITIATIVE_COMPLETED,
        expected_version=expected_version,
    )


@transaction.atomic
def need_add(
    *,
    initiative: Initiative,
    by: User,
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
def need_close(*, need: Need, by: User, expected_version: int | None = None) -> Need:
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
    *, initiative: Initiative, by: User, text: str, image: Any = None, image_alt: str = ""
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
