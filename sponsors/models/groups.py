"""Community groups, their members and the ideas they submitted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from civicideas.tenancy.models import TenantModel
from sponsors.models.common import NAME_MAX, TEXT_MAX


class CommunityGroupQuerySet(models.QuerySet):
    def approved(self) -> CommunityGroupQuerySet:
        return self.filter(approved_at__isnull=False)


class CommunityGroup(TenantModel):
    """A citizens' group. Listed publicly once the city approves it."""

    name = models.CharField(_("name"), max_length=NAME_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    contact_email = models.EmailField(_("contact email"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("approved by"),
    )

    objects = ScopedManager(
        city="city", _manager_class=models.Manager.from_queryset(CommunityGroupQuerySet)
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("community group")
        verbose_name_plural = _("community groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class GroupMembership(TenantModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("group"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_once")]
        indexes = [models.Index(fields=["user", "group"], name="groupmember_user_idx")]

    def __str__(self) -> str:
        return f"{self.group} — {self.user} ({self.get_role_display()})"


class IdeaGroup(TenantModel):
    """An idea submitted on behalf of a group (kept here so ``ideas`` need
    not know about groups)."""

    idea = models.OneToOneField(
        "ideas.Idea", on_delete=models.CASCADE, related_name="on_behalf", verbose_name=_("idea")
    )
    group = models.ForeignKey(
        CommunityGroup, on_delete=models.CASCADE, related_name="ideas", verbose_name=_("group")
    )

    class Meta(TenantModel.Meta):
        verbose_name = _("idea of a group")
        verbose_name_plural = _("ideas of groups")

    def __str__(self) -> str:
        return f"{self.idea} — {self.group}"
