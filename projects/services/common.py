"""What the project services share: the row lock, the checks of dates and
amounts, and who hears about a project."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy.context import current_city
from ideas.models import Idea, Support
from projects import rules
from projects.cache_keys import projects_changed
from projects.models import BUDGET_MAX, Project, ProjectFollow


def require_manager(by: Any) -> None:
    if not rules.can_manage_projects(by):
        raise NotAllowed(_("Only the city's administrators can manage projects."))


def locked(project: Project) -> Project:
    """The project read again under its row lock (in the current city)."""
    try:
        return Project.objects.select_for_update().get(pk=project.pk)
    except Project.DoesNotExist:
        raise InvalidInput(_("This project no longer exists.")) from None


def check_dates(first: date | None, last: date | None, *, what: str) -> None:
    """Refuse an end before its start, naming which pair is reversed."""
    if first is not None and last is not None and last < first:
        raise InvalidInput(_("%(what)s: the end date is before the start date.") % {"what": what})


def amount(raw: Any, *, field: str) -> Decimal | None:
    """A budget figure: empty, or 0 to ``BUDGET_MAX`` with at most two decimals."""
    if raw is None or raw == "":
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%(field)s: enter an amount.") % {"field": field}) from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(_("%(field)s cannot be negative.") % {"field": field})
    if value > BUDGET_MAX:
        raise InvalidInput(
            _("%(field)s is larger than any city budget; check the amount.") % {"field": field}
        )
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(_("%(field)s: at most two decimals.") % {"field": field})
    return value


def audience_ids(project: Project) -> QuerySet[Any]:
    """Everyone who hears about the project: its followers and the authors
    and supporters of the ideas it carries out (one query, deduplicated by
    ``notify``)."""
    idea_ids = project.idea_links.values("idea_id")
    return (
        ProjectFollow.objects.filter(project=project)
        .values_list("user_id", flat=True)
        .union(
            Idea.objects.filter(pk__in=idea_ids, author__isnull=False).values_list(
                "author_id", flat=True
            ),
            Support.objects.filter(idea_id__in=idea_ids).values_list("user_id", flat=True),
        )
    )


def changed(project: Project) -> None:
    """The project's public pages, and the pages of its ideas, are stale
    once the transaction commits."""
    projects_changed(project.city_id, project.idea_links.values_list("idea_id", flat=True))


def same_city(obj: Any) -> bool:
    return getattr(obj, "city_id", None) == current_city().pk
