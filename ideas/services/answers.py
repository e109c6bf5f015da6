"""The city's official answers: an idea's status with a public message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from civicideas.concurrency import bump_version, check_version
from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.text import clean_text
from ideas import notifications as kinds
from ideas import rules
from ideas.models import BODY_MAX, Idea, StatusChange, Support
from ideas.services.common import _locked, _record_status
from ideas.status import OFFICIAL_STATUSES, PUBLIC_STATUSES, IdeaStatus, can_transition

if TYPE_CHECKING:
    from civicideas.accounts.models import User


def _message_translations(idea: Idea, texts: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """``{code: {"message": text}}`` for the city's other languages."""
    city = idea.city
    allowed = set(city.languages or []) - {city.default_language}
    translations: dict[str, dict[str, str]] = {}
    for code, text in texts.items():
        if code not in allowed:
            raise InvalidInput(
                _("This city does not offer the language “%(code)s”.") % {"code": str(code)[:8]}
            )
        text = clean_text(text, field=_("Public message"), max_length=BODY_MAX, required=False)
        if text:
            translations[code] = {"message": text}
    return translations


@transaction.atomic
def idea_set_status(
    *,
    idea: Idea,
    by: User,
    status: str,
    message: str,
    message_translations: Mapping[str, str] | None = None,
    duplicate_of: Idea | None = None,
    expected_version: int | None = None,
) -> StatusChange:
    """The city's official answer: a status change with a public message.

    ``message`` is in the city's default language; ``message_translations``
    (language code → text) adds it in the city's other languages, and a
    language the city does not offer is refused.

    Only allowed transitions happen; the author and every supporter are
    notified through the outbox in this same transaction. The answer form
    sends the idea's ``lock_version`` it was read at as ``expected_version``:
    if a colleague answered (or moderated) since, ``StaleEdit`` (409) and
    nothing is written, so no one answers over a decision they never saw.
    """
    if not rules.can_answer_officially(by):
        raise NotAllowed(_("Only the city's staff can answer officially."))
    idea = _locked(idea)
    check_version(idea, expected_version)
    if status not in OFFICIAL_STATUSES:
        raise InvalidInput(_("This status cannot be set as an official answer."))
    if not can_transition(idea.status, status):
        raise InvalidInput(
            _("An idea that is “%(current)s” cannot become “%(target)s”.")
            % {"current": IdeaStatus(idea.status).label, "target": IdeaStatus(status).label}
        )
    message = clean_text(message, field=_("Public message"), max_length=BODY_MAX, required=True)
    translations = _message_translations(idea, message_translations or {})
    if status == IdeaStatus.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == idea.pk:
            raise InvalidInput(_("Choose the original idea this one duplicates."))
        if duplicate_of.status not in PUBLIC_STATUSES or duplicate_of.city_id != idea.city_id:
            raise InvalidInput(_("The original idea must be a public idea of this city."))
        idea.duplicate_of = duplicate_of
    change = _record_status(
        idea, to=status, by=by, message=message, official=True, translations=translations
    )
    idea.save(update_fields=["status", "duplicate_of", *bump_version(idea, by=by)])
    supporter_ids = Support.objects.filter(idea=idea).values_list("user_id", flat=True)
    notify(
        recipient_ids=[idea.author_id, *supporter_ids.iterator(chunk_size=5_000)],
        kind=kinds.IDEA_STATUS_CHANGED,
        about=idea,
        payload={"title": idea.title, "status": status, "message": message},
    )
    return change


def bulk_result(results: Sequence[Any]) -> dict[str, int]:
    return {"done": sum(1 for r in results if r), "total": len(results)}
