"""Publishing news on a project, with an optional image."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.content.uploads import process_image
from civicideas.errors import InvalidInput
from civicideas.notifications.outbox import notify
from civicideas.text import clean_text
from projects import notifications as kinds
from projects.models import TEXT_MAX, Project, ProjectUpdate
from projects.services.common import audience_ids, changed, locked, require_manager

if TYPE_CHECKING:
    from civicideas.accounts.models import User

#: The summary line of the notification quotes this much of the update.
EXCERPT = 280


@transaction.atomic
def update_publish(
    *,
    project: Project,
    by: User,
    text: str,
    image: Any = None,
    image_alt: str = "",
    published_on: date | None = None,
    translations: dict[str, dict[str, str]] | None = None,
) -> ProjectUpdate:
    """Publish news on ``project``; its audience (followers, and the authors
    and supporters of its ideas) is told through the outbox. An image is
    checked and re-encoded (``civicideas.content.uploads``) and needs a
    description for people who cannot see it."""
    require_manager(by)
    project = locked(project)
    text = clean_text(text, field=_("Text"), max_length=TEXT_MAX, required=True)
    image_alt = clean_text(
        image_alt, field=_("Description of the image"), max_length=200, required=False
    )
    if image and not image_alt:
        raise InvalidInput(_("Describe the image for people who cannot see it."))
    update = ProjectUpdate(
        city=project.city,
        project=project,
        author=by,
        text=text,
        image_alt=image_alt if image else "",
        published_on=published_on or timezone.localdate(),
        translations=translations or {},
    )
    if image:
        processed = process_image(image)
        update.image.save(processed.name, processed.content, save=False)
    update.save()
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    changed(project)
    notify(
        recipient_ids=audience_ids(project).iterator(chunk_size=5_000),
        kind=kinds.PROJECT_UPDATE_PUBLISHED,
        about=project,
        payload={
            "project": project.pk,
            "title": project.title,
            "text": text[:EXCERPT],
            "update": update.pk,
        },
    )
    return update
