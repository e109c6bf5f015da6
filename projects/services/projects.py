"""Creating projects, linking the ideas they carry out, and moving them
through their life cycle (the ideas' status follows, one rule here)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.concurrency import bump_version, check_version
from civicideas.errors import InvalidInput
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from ideas import services as idea_services
from ideas.models import Idea, Support
from ideas.status import IdeaStatus
from ideas.status import can_transition as idea_can_transition
from projects import notifications as kinds
from projects.models import (
    EXTERNAL_REF_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Project,
    ProjectIdea,
    ProjectInitiative,
    ProjectStatusChange,
)
from projects.services.common import (
    amount,
    audience_ids,
    changed,
    check_dates,
    locked,
    require_manager,
    same_city,
)
from projects.services.progress import project_refresh_progress
from projects.status import (
    IDEA_STATUS_FOR,
    LINKABLE_IDEA_STATUSES,
    ProjectStatus,
    can_transition,
)

if TYPE_CHECKING:
    from civicideas.accounts.models import User

#: Fields ``project_edit`` may change, with how each is cleaned.
EDITABLE = (
    "title",
    "description",
    "parent",
    "weight",
    "department",
    "responsible",
    "category",
    "district",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget_planned",
    "budget_spent",
    "latitude",
    "longitude",
    "progress_override",
    "progress_override_reason",
    "is_public",
    "external_ref",
)


def _clean(project: Project, fields: Mapping[str, Any]) -> list[str]:
    """Apply ``fields`` to ``project`` after checking each; returns the names set."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here: %(f)s") % {"f": sorted(unknown)})
    for name, value in fields.items():
        if name == "title":
            value = clean_text(value, field=_("Title"), max_length=TITLE_MAX, required=True)
        elif name == "description":
            value = clean_text(value, field=_("Description"), max_length=TEXT_MAX, required=False)
        elif name == "progress_override_reason":
            value = clean_text(value, field=_("Reason"), max_length=300, required=False)
        elif name == "external_ref":
            value = clean_text(
                value, field=_("External reference"), max_length=EXTERNAL_REF_MAX, required=False
            )
            taken = Project.objects.filter(external_ref=value).exclude(pk=project.pk)
            if value and taken.exists():
                raise InvalidInput(
                    _("Another project already has the external reference “%(ref)s”.")
                    % {"ref": value}
                )
        elif name == "budget_planned":
            value = amount(value, field=_("Planned budget"))
        elif name == "budget_spent":
            value = amount(value, field=_("Spent so far"))
        elif name in {"parent", "department", "responsible", "category", "district"}:
            if value is not None and name != "responsible" and not same_city(value):
                raise InvalidInput(_("Choose one of this city's entries."))
        elif name == "weight" and not (isinstance(value, int) and 1 <= value <= 1000):
            raise InvalidInput(_("The weight is a whole number from 1 to 1,000."))
        elif (
            name == "progress_override"
            and value is not None
            and not (isinstance(value, int) and 0 <= value <= 100)
        ):
            raise InvalidInput(_("Progress is a whole number from 0 to 100."))
        setattr(project, name, value)
    check_dates(project.planned_start, project.planned_end, what=_("Planned dates"))
    check_dates(project.actual_start, project.actual_end, what=_("Actual dates"))
    if project.progress_override is not None and not project.progress_override_reason:
        raise InvalidInput(_("Say why the progress is set by hand; the public page shows it."))
    if project.progress_override is None:
        project.progress_override_reason = ""
    if (project.latitude is None) != (project.longitude is None):
        raise InvalidInput(_("Give both latitude and longitude, or neither."))
    _check_parent(project)
    return list(fields)


def _check_parent(project: Project) -> None:
    """No project may be its own ancestor."""
    seen = {project.pk}
    parent = project.parent
    while parent is not None:
        if parent.pk in seen:
            raise InvalidInput(_("A project cannot be part of itself."))
        seen.add(parent.pk)
        parent = parent.parent


def project_check(
    project: Project,
    fields: Mapping[str, Any],
    *,
    ideas: Iterable[Idea] | None = None,
    initiatives: Iterable[Any] | None = None,
) -> None:
    """The checks of ``project_create``/``project_edit`` without writing
    (on a copy): forms call it so a refusal is a form error, never a 500."""
    _clean(copy.copy(project), fields)
    if ideas is not None:
        _linkable(ideas, project=project, lock=False)
    if initiatives is not None and any(not same_city(item) for item in initiatives):
        raise InvalidInput(_("One of the initiatives is not an initiative of this city."))


def _linkable(ideas: Iterable[Idea], *, project: Project | None, lock: bool = True) -> list[Idea]:
    """The ideas, read again (under their locks when writing), that this
    project may take in: this city's, decided in favour, in no other project."""
    ids = sorted({idea.pk for idea in ideas})
    rows = Idea.objects.filter(pk__in=ids).order_by("pk")
    found = list(rows.select_for_update() if lock else rows)
    if len(found) != len(ids):
        raise InvalidInput(_("One of the ideas is not an idea of this city."))
    for idea in found:
        if idea.status not in LINKABLE_IDEA_STATUSES:
            raise InvalidInput(
                _("“%(title)s” is not accepted; only accepted ideas become projects.")
                % {"title": idea.title}
            )
    taken = ProjectIdea.objects.filter(idea_id__in=ids)
    if project is not None and project.pk:
        taken = taken.exclude(project=project)
    clash = taken.select_related("idea").first()
    if clash is not None:
        raise InvalidInput(
            _("“%(title)s” is already carried out by another project.")
            % {"title": clash.idea.title}
        )
    return found


@transaction.atomic
def project_create(
    *,
    by: User,
    title: str,
    ideas: Iterable[Idea] = (),
    initiatives: Iterable[Any] = (),
    **fields: Any,
) -> Project:
    """A new project carrying out ``ideas`` (accepted ideas of this city,
    in no other project) and taking in ``initiatives``. Planned until
    someone starts it (``project_set_status``)."""
    require_manager(by)
    project = Project(city=current_city(), status=ProjectStatus.PLANNED)
    _clean(project, {"title": title, **fields})
    linked = _linkable(ideas, project=None)
    project.save()
    bump_version(project, by=by)
    project.save(update_fields=["lock_version", "last_changed_by", "last_changed_at"])
    ProjectIdea.objects.bulk_create(ProjectIdea(project=project, idea=i) for i in linked)
    _link_initiatives(project, initiatives)
    ProjectStatusChange.objects.create(
        city=project.city, project=project, from_status="", to_status=project.status, by=by
    )
    project_refresh_progress(project=project)
    changed(project)
    return project


def _link_initiatives(project: Project, initiatives: Iterable[Any]) -> None:
    items = list(initiatives)
    if any(not same_city(item) for item in items):
        raise InvalidInput(_("One of the initiatives is not an initiative of this city."))
    ProjectInitiative.objects.bulk_create(
        (ProjectInitiative(project=project, initiative=item) for item in items),
        ignore_conflicts=True,
    )


@transaction.atomic
def project_edit(
    *, project: Project, by: User, expected_version: int | None = None, **fields: Any
) -> Project:
    """Change a project's description, dates, budget, people or override.
    A stale form (``expected_version``) is refused and writes nothing."""
    require_manager(by)
    project = locked(project)
    check_version(project, expected_version)
    old_parent = project.parent_id
    names = _clean(project, fields)
    project.save(update_fields=[*names, "updated_at", *bump_version(project, by=by)])
    project_refresh_progress(project=project)
    if old_parent and old_parent != project.parent_id:
        parent = Project.objects.filter(pk=old_parent).first()
        if parent is not None:
            project_refresh_progress(project=parent)
    changed(project)
    return project


@transaction.atomic
def project_link_ideas(
    *, project: Project, by: User, ideas: Iterable[Idea], message: str = ""
) -> list[Idea]:
    """Add accepted ideas to a project ("add to an existing project" in the
    decision). An idea joining a project under way moves on with it."""
    require_manager(by)
    project = locked(project)
    linked = _linkable(ideas, project=project)
    ProjectIdea.objects.bulk_create(
        (ProjectIdea(project=project, idea=idea) for idea in linked), ignore_conflicts=True
    )
    _ideas_follow(project, by=by, ideas=linked, message=message)
    changed(project)
    return linked


@transaction.atomic
def project_unlink_idea(*, project: Project, by: User, idea: Idea) -> None:
    """Take an idea out of a project; its status stays what it became."""
    require_manager(by)
    project = locked(project)
    changed(project)
    ProjectIdea.objects.filter(project=project, idea=idea).delete()


def _ideas_follow(project: Project, *, by: User, ideas: Iterable[Idea], message: str) -> set[int]:
    """Move each idea to the status the project's stage gives it, through the
    ideas' own state machine (the official answer notifies its author and
    supporters). Returns the ids of the ideas that moved."""
    target = IDEA_STATUS_FOR.get(ProjectStatus(project.status))
    if target is None:
        return set()
    text = message or (
        _("The city is carrying out this idea in the project “%(title)s”.")
        if target == IdeaStatus.IN_PROGRESS
        else _("The project “%(title)s” that carried out this idea is done.")
    ) % {"title": project.title}
    moved: set[int] = set()
    for idea in ideas:
        if idea.status == target or not idea_can_transition(idea.status, target):
            continue
        idea_services.idea_set_status(idea=idea, by=by, status=target, message=text)
        moved.add(idea.pk)
    return moved


@transaction.atomic
def project_set_status(
    *,
    project: Project,
    by: User,
    status: str,
    reason: str = "",
    on: date | None = None,
    expected_version: int | None = None,
) -> ProjectStatusChange:
    """Move a project (planned → in progress → done; stopped with a reason,
    and back). Starting sets the actual start, finishing the actual end
    (``on``, default today). The ideas follow; everyone who follows the
    project, or wrote or supported one of its ideas, is told (those whose
    idea's status changed already heard it from the idea's answer)."""
    require_manager(by)
    project = locked(project)
    check_version(project, expected_version)
    if status not in ProjectStatus.values:
        raise InvalidInput(_("Unknown project status."))
    if not can_transition(project.status, status):
        raise InvalidInput(
            _("A project that is “%(current)s” cannot become “%(target)s”.")
            % {
                "current": ProjectStatus(project.status).label,
                "target": ProjectStatus(status).label,
            }
        )
    reason = clean_text(
        reason,
        field=_("Reason"),
        max_length=REASON_MAX,
        required=status == ProjectStatus.STOPPED,
    )
    day = on or timezone.localdate()
    previous = project.status
    project.status = status
    project.stop_reason = reason if status == ProjectStatus.STOPPED else ""
    if status == ProjectStatus.IN_PROGRESS and project.actual_start is None:
        project.actual_start = day
    if status == ProjectStatus.DONE:
        project.actual_end = day
        check_dates(project.actual_start, project.actual_end, what=_("Actual dates"))
    project.save(
        update_fields=[
            "status",
            "stop_reason",
            "actual_start",
            "actual_end",
            "updated_at",
            *bump_version(project, by=by),
        ]
    )
    change = ProjectStatusChange.objects.create(
        city=project.city,
        project=project,
        from_status=previous,
        to_status=status,
        reason=reason,
        by=by,
    )
    ideas = list(Idea.objects.filter(project_links__project=project).order_by("pk"))
    moved = _ideas_follow(project, by=by, ideas=ideas, message="")
    project_refresh_progress(project=project)
    changed(project)
    told_by_idea = Idea.objects.filter(pk__in=moved).values_list("author_id", flat=True)
    recipients = set(audience_ids(project)) - set(told_by_idea)
    if moved:
        recipients -= set(
            Support.objects.filter(idea_id__in=moved).values_list("user_id", flat=True)
        )
    notify(
        recipient_ids=sorted(recipients),
        kind=kinds.PROJECT_STATUS_CHANGED,
        about=project,
        payload={
            "project": project.pk,
            "title": project.title,
            "status": status,
            "reason": reason,
        },
    )
    return change
