"""The pictures an author adds to their idea."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.text import clean_text
from ideas import cache_keys
from ideas.models import Idea
from ideas.services.common import _locked
from ideas.status import IdeaStatus

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def idea_attach_images(
    *, idea: Idea, by: User, files: Sequence[Any], alt_texts: Sequence[str] | None = None
) -> list[Any]:
    """The author adds images to their idea: at most ``MAX_IMAGES_PER_IDEA``
    in total, all or nothing.

    Every file is checked and re-encoded first (``civicideas.content.uploads``); one bad
    file refuses the whole batch with a message per file. Only then are the
    files stored and the rows written in one transaction; if that fails, the
    files already stored are deleted again. (Files stored by a call whose
    *enclosing* transaction is rolled back later are not removed here.)
    """
    from civicideas.content.uploads import MAX_IMAGES_PER_IDEA, process_image
    from ideas.models import IdeaImage

    files = list(files)
    if not files:
        return []
    if not getattr(by, "is_authenticated", False) or idea.author_id != by.pk:
        raise NotAllowed(_("Only the author can add images to this idea."))
    if idea.status not in (IdeaStatus.PUBLISHED, IdeaStatus.PENDING, IdeaStatus.SUBMITTED):
        raise NotAllowed(_("Images can no longer be added to this idea."))
    if len(files) > MAX_IMAGES_PER_IDEA:
        raise InvalidInput(_("An idea can have at most %(n)d images.") % {"n": MAX_IMAGES_PER_IDEA})
    alts = list(alt_texts or [])
    processed, problems = [], []
    for upload in files:
        try:
            processed.append(process_image(upload))
        except InvalidInput as exc:
            name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
            problems.append(f"{name[:80] or _('file')}: {exc.message}")
    if problems:
        raise InvalidInput(" ".join(problems))
    cleaned_alts = [
        clean_text(
            alts[i] if i < len(alts) else "",
            field=_("Image description"),
            max_length=200,
            required=False,
        )
        for i in range(len(processed))
    ]

    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(idea)
            existing = IdeaImage.objects.filter(idea=locked).count()
            if existing + len(processed) > MAX_IMAGES_PER_IDEA:
                raise InvalidInput(
                    _("An idea can have at most %(n)d images; it has %(existing)d already.")
                    % {"n": MAX_IMAGES_PER_IDEA, "existing": existing}
                )
            images = []
            for offset, (item, alt) in enumerate(zip(processed, cleaned_alts, strict=True)):
                image = IdeaImage(
                    city=locked.city,
                    idea=locked,
                    alt_text=alt,
                    width=item.width,
                    height=item.height,
                    position=existing + offset,
                )
                image.image.save(item.name, item.content, save=False)
                if image.image.name:
                    stored.append(image.image.name)
                image.save()
                images.append(image)
            cache_keys.idea_changed(locked)
    except BaseException:
        storage = IdeaImage._meta.get_field("image").storage
        for name in stored:
            storage.delete(name)
        raise
    return images
