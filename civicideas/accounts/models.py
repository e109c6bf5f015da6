"""Global accounts (one login for every city) and per-city profiles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import TenantModel
from civicideas.tenancy.permissions import is_city_staff


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's login. Email is the identifier; there are no usernames.

    ``is_staff`` is not stored: it is true where the person holds a staff role
    in the *current* city (or is a platform superuser), so Django's admin and
    allauth's ``secure_admin_login`` open each city's admin only to its own
    civil servants.
    """

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_staff(self) -> bool:
        return is_city_staff(self)


class Profile(TenantModel):
    """How a person appears in one city; created on first participation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profiles",
        verbose_name=_("user"),
    )
    display_name = models.CharField(_("display name"), max_length=80)
    district = models.CharField(_("district"), max_length=120, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.UniqueConstraint(fields=["city", "user"], name="profile_unique_per_city")
        ]

    def __str__(self) -> str:
        return self.display_name


class DataExport(TenantModel):
    """A person's request for a copy of their data, asked on this city's host.

    The archive covers every city; the row lives in the city it was asked in,
    so the "export ready" notification and the download link are on that
    host. The file sits in the default storage under ``private/`` (never
    served at ``MEDIA_URL``, see ``civicideas.media``) with an unguessable
    name, and is downloaded only through ``accounts:export_download`` by its
    owner, until ``expires_at``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        indexes = [models.Index(fields=["user", "-created_at"], name="dataexport_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.state == self.State.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class Consent(TenantModel):
    """A person accepted version ``version`` of a city's privacy notice at
    ``accepted_at`` (docs/privacy.md "Consent"). Written only by
    ``accounts.privacy.consent_record``; never changed afterwards."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("user"),
    )
    version = models.PositiveIntegerField(_("version"))
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)

    class Meta(TenantModel.Meta):
        verbose_name = _("privacy consent")
        verbose_name_plural = _("privacy consents")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "user", "version"], name="consent_unique_per_version"
            )
        ]
        indexes = [models.Index(fields=["user", "-version"], name="consent_user_version_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} v{self.version}"
