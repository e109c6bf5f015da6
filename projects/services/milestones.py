"""A project's milestones: their dates and when each was done."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput
from civicideas.text import clean_text
from projects.models import EXTERNAL_REF_MAX, TITLE_MAX, Milestone, Project
from projects.services.common import changed, check_dates, locked, require_manager
from projects.services.progress import project_refresh_progress

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def milestone_save(
    *,
    project: Project,
    by: User,
    title: str,
    due_on: date,
    starts_on: date | None = None,
    done_on: date | None = None,
    weight: int = 1,
    milestone: Milestone | None = None,
    translations: dict[str, dict[str, str]] | None = None,
    external_ref: str | None = None,
) -> Milestone:
    """Add a milestone to ``project`` or change ``milestone``; the project's
    progress follows. Dates in reverse order are refused; ``external_ref``
    (the CSV import's key) is unique in the city."""
    require_manager(by)
    project = locked(project)
    title = clean_text(title, field=_("Title"), max_length=TITLE_MAX, required=True)
    if due_on is None:
        raise InvalidInput(_("A milestone needs a due date."))
    check_dates(starts_on, due_on, what=_("Milestone dates"))
    if not (isinstance(weight, int) and 1 <= weight <= 1000):
        raise InvalidInput(_("The weight is a whole number from 1 to 1,000."))
    if milestone is not None and milestone.project_id != project.pk:
        raise InvalidInput(_("This milestone belongs to another project."))
    item = milestone or Milestone(city=project.city, project=project)
    if external_ref is not None:
        external_ref = clean_text(
            external_ref,
            field=_("External reference"),
            max_length=EXTERNAL_REF_MAX,
            required=False,
        )
        taken = Milestone.objects.filter(external_ref=external_ref).exclude(pk=item.pk)
        if external_ref and taken.exists():
            raise InvalidInput(
                _("Another milestone already has the external reference “%(ref)s”.")
                % {"ref": external_ref}
            )
        item.external_ref = external_ref
    item.title = title
    item.starts_on = starts_on
    item.due_on = due_on
    item.done_on = done_on
    item.weight = weight
    if translations is not None:
        item.translations = translations
    item.save()
    project_refresh_progress(project=project)
    changed(project)
    return item


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: User) -> None:
    require_manager(by)
    project = locked(milestone.project)
    milestone.delete()
    project_refresh_progress(project=project)
    changed(project)
