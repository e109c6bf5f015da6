"""Community groups: creating, approving, members, and linking an idea."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.outbox import notify
from civicideas.tenancy.context import current_city
from civicideas.text import clean_text
from ideas.models import Idea
from sponsors import notifications as kinds
from sponsors import rules
from sponsors.models import (
    NAME_MAX,
    TEXT_MAX,
    CommunityGroup,
    GroupMembership,
    IdeaGroup,
)
from sponsors.services.checks import (
    _bump_idea_page,
    _clean_email,
    _group_member_ids,
    _staff_ids,
)

if TYPE_CHECKING:
    from civicideas.accounts.models import User


@transaction.atomic
def group_create(
    *, by: User, name: str, description: str = "", contact_email: str
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
        kind=kinds.GROUP_TO_APPROVE,
        about=group,
        payload={"name": group.name},
    )
    return group


@transaction.atomic
def group_approve(*, group: CommunityGroup, by: User) -> CommunityGroup:
    if not rules.is_facilitator(by):
        raise NotAllowed(_("Only the city's facilitators can approve groups."))
    group = CommunityGroup.objects.select_for_update().get(pk=group.pk)
    if group.approved_at is None:
        group.approved_at = timezone.now()
        group.approved_by = by
        group.save(update_fields=["approved_at", "approved_by"])
        notify(
            recipient_ids=_group_member_ids(group, admins_only=True),
            kind=kinds.GROUP_APPROVED,
            about=group,
            payload={"name": group.name},
        )
    return group


@transaction.atomic
def group_member_add(
    *, group: CommunityGroup, by: User, user: User, role: str = GroupMembership.Role.MEMBER
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
def idea_link_group(*, idea: Idea, group: CommunityGroup, by: User) -> IdeaGroup:
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
