"""Everything that changes challenges' ideas, supports, comments and reports.

One module per family, all re-exported here so callers keep writing
``services.idea_submit(...)``: ``submission`` (submit, edit, withdraw),
``supports``, ``comments``, ``moderation`` (reports, moderators' actions),
``answers`` (the city's official answers), ``offline`` (invitations to
claim an idea staff typed in, and the claim), ``images`` and ``common`` (the
row lock, version bump and status record they share).

Views, admin actions, API views and tasks call these functions; each one
checks its rule (``ideas.rules``), writes in one transaction, keeps the
counters on ``Idea`` equal to the rows they count, and writes the
notifications of the change in the same transaction.
"""

from __future__ import annotations

from ideas.services.answers import bulk_result, idea_set_status
from ideas.services.comments import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_language,
)
from ideas.services.common import REASON_MAX, _refresh_search_vector
from ideas.services.images import idea_attach_images
from ideas.services.moderation import comment_moderate, idea_moderate, report_create
from ideas.services.offline import (
    idea_claim,
    invitation_resend,
    invitation_send,
    invitations_sweep,
)
from ideas.services.submission import (
    idea_already_submitted,
    idea_submit,
    idea_update,
    idea_withdraw,
)
from ideas.services.supports import idea_support, idea_unsupport, support_move_to_original

__all__ = [
    "REASON_MAX",
    "_refresh_search_vector",
    "bulk_result",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_language",
    "comment_moderate",
    "idea_already_submitted",
    "idea_attach_images",
    "idea_claim",
    "idea_moderate",
    "idea_set_status",
    "idea_submit",
    "idea_support",
    "idea_unsupport",
    "idea_update",
    "idea_withdraw",
    "invitation_resend",
    "invitation_send",
    "invitations_sweep",
    "report_create",
    "support_move_to_original",
]
