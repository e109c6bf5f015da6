"""Optimistic concurrency: a stale form never overwrites a colleague's decision.

Two staff members open the same thing (an idea's official answer, a
challenge, a rubric, a city's settings, an offer). The first one saves; the
second one's form still shows what was there before. Without a check the
second save silently replaces the first decision ("lost update").

The mechanism, one for every such thing (docs/security.md, "No lost
updates"):

- The model inherits ``Versioned``: an integer ``lock_version`` (named as in
  Rails; ``Rubric.version`` already means "edition of the rubric") and who
  made the current version and when (``last_changed_by``/``last_changed_at``).
- Every form that changes it carries the version it was read at (a hidden
  ``lock_version`` field: ``VersionedFormMixin``; the admin's change forms get
  it from ``VersionedAdmin``); the API takes ``If-Match: "<version>"`` or a
  ``lock_version`` field and answers with an ``ETag``.
- The service that changes it takes ``expected_version`` (keyword-only), reads
  the row under ``SELECT ... FOR UPDATE``, calls ``check_version`` and then
  ``bump_version``. A concurrent writer waits for the lock and then sees the
  new version, so of two posts made from the same version exactly one wins.
- A stale post raises ``StaleEdit`` (409, or 412 for an API ``If-Match``),
  whose message names who changed it and when, in the city's time zone;
  nothing is written.

``expected_version=None`` means "no version was given": services accept it
(tasks, the demo, API clients that do not send ``If-Match``); forms never
send it, because their ``lock_version`` field is required.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas import inputs
from civicideas.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from civicideas.accounts.models import User
    from civicideas.accounts.types import Viewer

#: The fields a service adds to ``update_fields`` when it bumps the version.
VERSION_FIELDS = ["lock_version", "last_changed_by", "last_changed_at"]
#: Largest version a form or header may carry (a PostgreSQL integer).
VERSION_MAX = 2**31 - 1


class Versioned(models.Model):
    """Abstract base of every model two staff members may edit at once."""

    # ``db_default`` too: rows written outside the ORM (SQL in migrations
    # and tests) start at version 1 as well.
    lock_version = models.PositiveIntegerField(
        gettext_lazy("revision"), default=1, db_default=1, editable=False
    )
    last_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=gettext_lazy("last changed by"),
    )
    last_changed_at = models.DateTimeField(
        gettext_lazy("last changed"), null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True


class StaleEdit(Conflict):
    """The thing changed since the form was read: nothing was written.

    Carries what the person needs to decide what to do: who changed it, when,
    and the version it is at now (the API returns it; a reloaded form starts
    from it).
    """

    code = "stale"

    def __init__(
        self,
        *,
        changed_by: str,
        changed_at: datetime | None,
        current_version: int,
        zone: tzinfo | None = None,
    ) -> None:
        when = _format_time(changed_at, zone)
        if when:
            message = _("Changed by %(who)s at %(when)s — reload to see it. Nothing was saved.") % {
                "who": changed_by,
                "when": when,
            }
        else:
            message = _("Changed by %(who)s — reload to see it. Nothing was saved.") % {
                "who": changed_by
            }
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version


def _format_time(moment: datetime | None, zone: tzinfo | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


def person_label(user: User | None, obj: Any = None) -> str:
    """How a colleague is named in a conflict message: their display name in
    the thing's city, else their email (staff see colleagues' emails in the
    admin anyway), or "an automatic rule" for a change nobody made by hand
    (hiding after reports)."""
    if user is None:
        return _("an automatic rule")
    from django_scopes import scopes_disabled

    from civicideas.accounts.models import Profile

    city_id = getattr(obj, "city_id", None) or (obj.pk if _is_city(obj) else None)
    if city_id is not None:
        with scopes_disabled():
            name = (
                Profile.objects.filter(user_id=user.pk, city_id=city_id)
                .values_list("display_name", flat=True)
                .first()
            )
        if name:
            return name
    return getattr(user, "email", "") or _("a colleague")


def _is_city(obj: Any) -> bool:
    return obj is not None and obj._meta.label == "tenancy.City"


def _city_zone(obj: Any) -> tzinfo:
    """The time zone people of ``obj``'s city read times in."""
    if _is_city(obj):
        return obj.zoneinfo
    from civicideas.tenancy.context import current_city_or_none
    from civicideas.tenancy.models import City

    city_id = getattr(obj, "city_id", None)
    city = current_city_or_none()
    if city is None or city.pk != city_id:
        city = City.objects.filter(pk=city_id).first() if city_id is not None else None
    return city.zoneinfo if city is not None else timezone.get_current_timezone()


def stale_error(obj: Versioned) -> StaleEdit:
    """The ``StaleEdit`` for ``obj`` as it is now (read it under lock)."""
    return StaleEdit(
        changed_by=person_label(obj.last_changed_by, obj),
        changed_at=obj.last_changed_at,
        current_version=obj.lock_version,
        zone=_city_zone(obj),
    )


def check_version(obj: Versioned, expected: int | None) -> None:
    """Refuse a change made from a stale copy.

    Precondition: ``obj`` was read under its row lock in this transaction
    (``select_for_update``), so no one can bump the version between this
    check and the caller's write. ``None`` skips the check (see the module
    docstring)."""
    if expected is not None and obj.lock_version != expected:
        raise stale_error(obj)


def bump_version(obj: Versioned, *, by: Viewer | None) -> list[str]:
    """Mark ``obj`` as changed by ``by`` now, one version further. Returns
    the field names to add to ``save(update_fields=...)``.

    Precondition: the caller holds the row lock and saves ``obj`` in the same
    transaction."""
    obj.lock_version = (obj.lock_version or 0) + 1
    obj.last_changed_by = by if by is not None and by.is_authenticated else None
    obj.last_changed_at = timezone.now()
    return list(VERSION_FIELDS)


def parse_version(raw: Any) -> int | None:
    """A version from outside (form, header, JSON): ASCII digits only,
    bounded (the shared parser, ``civicideas.inputs``); ``None`` for nothing
    given. Anything else is ``InvalidInput``."""
    if raw is None or raw == "":
        return None
    value = inputs.parse_int(
        raw.strip() if isinstance(raw, str) else raw, minimum=0, maximum=VERSION_MAX
    )
    if value is None:
        raise InvalidInput(_("The version must be a whole number."))
    return value


# --- forms ------------------------------------------------------------------------


OUT_OF_DATE = gettext_lazy(
    "This form is out of date (it does not say which version it changes). "
    "Reload the page and make the change again. Nothing was saved."
)


class VersionField(forms.IntegerField):
    """The hidden field with the version a form was read at."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", VERSION_MAX)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        try:
            return parse_version(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code="invalid") from error


# What the mixin finds on the form it is mixed into, for type checkers.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class VersionedFormMixin(_FormBase):
    """Adds the hidden ``lock_version`` field to a form.

    A post without it is a form error (400: "this form is out of date"),
    never an unchecked overwrite. ``version_of`` (or the model form's
    instance) gives the initial value. Views pass
    ``form.cleaned_data["lock_version"]`` to the service as
    ``expected_version``; a ``StaleEdit`` from the service goes back to the
    form with ``form.add_stale_error(error)``, and ``form.stale`` tells the
    view to answer 409."""

    version_field_name = "lock_version"

    def __init__(self, *args: Any, version_of: Versioned | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stale: StaleEdit | None = None
        self.version_missing = False
        source = version_of if version_of is not None else getattr(self, "instance", None)
        self.version_source = source
        field = VersionField()
        # A new object has no version to compare with: nothing to require.
        self.version_required = False
        if source is not None and source.pk is not None:
            self.version_required = True
            field.initial = source.lock_version
        self.fields[self.version_field_name] = field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data  # a clean() may return None
        if self.version_required and (
            self.version_field_name in self.errors or cleaned.get(self.version_field_name) is None
        ):
            # Missing or garbled: a hidden field's own error would not be
            # shown, so the form says it is out of date (400).
            self.version_missing = True
            raise forms.ValidationError(OUT_OF_DATE, code="version_missing")
        posted = cleaned.get(self.version_field_name)
        if self.version_required and posted is not None and self.version_source is not None:
            # Stale already against the copy the view read: say so first,
            # whatever else the form got wrong (its choices were computed
            # from the newer state). The service re-checks under the lock.
            try:
                check_version(self.version_source, posted)
            except StaleEdit as error:
                self.stale = error
                raise forms.ValidationError(error.message, code="stale") from error
        return cleaned

    def add_stale_error(self, error: StaleEdit) -> None:
        self.stale = error
        self.add_error(None, error.message)

    @property
    def conflict_status(self) -> int:
        """The status of the page re-rendering this invalid form."""
        return 409 if self.stale is not None else 400


class VersionedModelFormMixin(VersionedFormMixin):
    """For model forms saved by the admin (``VersionedAdmin``): the version
    is checked while the form is cleaned, under the row lock the admin's
    transaction then holds until the save, so the check and the write are
    one step."""

    instance: Versioned  # the model form's

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data  # a clean() may return None
        instance = self.instance
        expected = cleaned.get(self.version_field_name)
        if instance.pk is None or expected is None:
            return cleaned
        locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        try:
            check_version(locked, expected)
        except StaleEdit as error:
            self.stale = error
            raise forms.ValidationError(error.message, code="stale") from error
        instance.lock_version = locked.lock_version
        return cleaned


# --- admin ------------------------------------------------------------------------


class VersionedAdmin(admin.ModelAdmin):
    """A ``ModelAdmin`` whose change form refuses a stale post.

    The form gets the hidden version (rendered by ``templates/admin/
    change_form.html``'s ``form_top``), the version is compared under the
    row lock while the form is cleaned (``changeform_view`` runs in one
    transaction), and a refused post is the change form again with the
    message, a reload link and status 409 (400 when the version is missing).
    Saving bumps the version and records who and when.
    """

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, VersionedModelFormMixin):
            return form
        return type(form.__name__, (VersionedModelFormMixin, form), {})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            bump_version(obj, by=request.user)
        else:
            obj.last_changed_by = request.user
            obj.last_changed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and isinstance(response, TemplateResponse):
            adminform = (response.context_data or {}).get("adminform")
            form = getattr(adminform, "form", None)
            if getattr(form, "stale", None) is not None:
                response.status_code = 409
            elif getattr(form, "version_missing", False):
                response.status_code = 400
        return response


def posted_version(data: Any, name: str = "lock_version") -> int:
    """The version a plain HTML form (a button, no Django form) posted.

    Required: a post without it comes from a page older than this check and
    is refused with 400 ("out of date"), never applied unchecked."""
    version = parse_version(data.get(name))
    if version is None:
        raise InvalidInput(str(OUT_OF_DATE))
    return version
