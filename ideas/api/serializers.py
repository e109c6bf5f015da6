"""What the API shows and accepts.

Reading serializers are read-only; writing serializers list exactly the
fields a citizen may set. ``city``, ``author``, ``status``, the counters and
the timestamps are never writable: unknown keys in a request are ignored, so
sending ``"status": "accepted"`` changes nothing. Validation here is about
shape (types, lengths); the rules are checked by ``ideas.services``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicideas.api.concurrency import VersionField
from civicideas.api.fields import IdField, IdRelatedField, TranslationsField, VisibleCharField
from civicideas.api.serializers import ModelSerializer, Serializer
from civicideas.tenancy.permissions import is_city_moderator
from ideas.models import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    Category,
    Challenge,
    Comment,
    District,
    Idea,
    ModerationAction,
    Report,
    StatusChange,
)
from ideas.selectors import SEARCH_SORT, SEED_MAX, SORTS
from ideas.services import REASON_MAX as REPORT_REASON_MAX
from ideas.status import PUBLIC_STATUSES, IdeaStatus


class CategoryRefSerializer(ModelSerializer):
    name_i18n = TranslationsField("name")

    class Meta:
        model = Category
        fields = ["id", "name", "name_i18n", "slug"]
        read_only_fields = fields


class DistrictRefSerializer(ModelSerializer):
    name_i18n = TranslationsField("name")

    class Meta:
        model = District
        fields = ["id", "name", "name_i18n", "slug"]
        read_only_fields = fields


class ChallengeSerializer(ModelSerializer):
    phase_label = VisibleCharField(source="get_phase_display", read_only=True)
    categories = CategoryRefSerializer(many=True, read_only=True)
    districts = DistrictRefSerializer(many=True, read_only=True)
    accepts_ideas = serializers.BooleanField(read_only=True)
    accepts_supports = serializers.BooleanField(read_only=True)
    accepts_comments = serializers.BooleanField(read_only=True)
    # ``title``, ``summary``, ``description`` are the city's default language.
    title_i18n = TranslationsField("title")
    summary_i18n = TranslationsField("summary")
    description_i18n = TranslationsField("description")

    class Meta:
        model = Challenge
        fields = [
            "id",
            "slug",
            "title",
            "title_i18n",
            "summary",
            "summary_i18n",
            "description",
            "description_i18n",
            "phase",
            "phase_label",
            "ideas_open_from",
            "ideas_deadline",
            "supports_deadline",
            "results_date",
            "premoderation",
            "supports_enabled",
            "max_ideas_per_person",
            "require_verified_email",
            "accepts_ideas",
            "accepts_supports",
            "accepts_comments",
            "categories",
            "districts",
            "created_at",
        ]
        read_only_fields = fields


class IdeaSerializer(ModelSerializer):
    """An idea as the public (or its author, or a moderator) sees it.

    Expects the queryset annotations ``author_name`` and ``supported_by_me``
    (see ``ideas.api.views``), so a list costs one query whatever its length.
    """

    status_label = VisibleCharField(source="get_status_display", read_only=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    district = DistrictRefSerializer(read_only=True, allow_null=True)
    author_name = VisibleCharField(read_only=True, allow_null=True)
    supported_by_me = serializers.BooleanField(read_only=True)
    hidden_reason = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "challenge",
            "title",
            "body",
            "category",
            "district",
            "latitude",
            "longitude",
            "language",
            "status",
            "status_label",
            "duplicate_of",
            "author_name",
            "support_count",
            "comment_count",
            "supported_by_me",
            "hidden_reason",
            "created_at",
            "published_at",
            "updated_at",
            "lock_version",
        ]
        read_only_fields = fields

    @extend_schema_field(VisibleCharField(allow_null=True))
    def get_hidden_reason(self, idea: Idea) -> str | None:
        """Shown to the author and moderators only (public ideas have none)."""
        if idea.status in PUBLIC_STATUSES or not idea.hidden_reason:
            return None
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and (idea.author_id == user.pk or is_city_moderator(user)):
            return idea.hidden_reason
        return None


# Related ids are looked up through the models' city-scoped managers (passed
# as managers, so the queryset is built per request, inside the city): another
# city's id is "does not exist", never a foreign row.
_CityManagerField = IdRelatedField


class CoordinateField(serializers.DecimalField):
    """Degrees, rounded to 6 decimals (about 10 cm) as stored: clients send
    floats with more digits than that, which is not an error."""

    STEP = Decimal("0.000001")

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        super().__init__(
            max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, **kwargs
        )

    def validate_precision(self, value: Decimal) -> Decimal:
        if abs(value) < 1000:  # larger values fail max_digits below, unrounded
            value = value.quantize(self.STEP, rounding=ROUND_HALF_EVEN)
        return super().validate_precision(value)


class IdeaWriteSerializer(Serializer):
    title = VisibleCharField(max_length=TITLE_MAX)
    body = VisibleCharField(max_length=BODY_MAX)
    category = _CityManagerField(queryset=Category.objects, required=False, allow_null=True)
    district = _CityManagerField(queryset=District.objects, required=False, allow_null=True)
    latitude = CoordinateField(limit=90, required=False, allow_null=True)
    longitude = CoordinateField(limit=180, required=False, allow_null=True)


@extend_schema_field(OpenApiTypes.INT)
class PublicChallengeField(IdRelatedField):
    """A challenge of the current city that is not a draft; resolved per
    request, inside the city (the manager is city-scoped and refuses to build
    a queryset at import time)."""

    def get_queryset(self):
        return Challenge.objects.public()


class IdeaCreateSerializer(IdeaWriteSerializer):
    challenge = PublicChallengeField()
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    submission_token = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Send the same value when retrying: the idea is created once.",
    )


class IdeaUpdateSerializer(IdeaWriteSerializer):
    """PATCH: every field optional; absent fields keep their value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class IdeaListParamsSerializer(Serializer):
    """Query parameters of the idea list (the browser's filters and sorts)."""

    challenge = IdField()
    category = IdField(required=False)
    district = IdField(required=False)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in IdeaStatus if s in PUBLIC_STATUSES],
        required=False,
    )
    q = VisibleCharField(max_length=200, required=False, allow_blank=True)
    sort = serializers.ChoiceField(
        choices=[*SORTS, SEARCH_SORT],
        required=False,
        default="random",
        help_text="`relevance` ranks search results (with `q`).",
    )
    seed = serializers.IntegerField(
        min_value=0,
        max_value=SEED_MAX,
        required=False,
        help_text="For sort=random: the same seed gives the same order on every page.",
    )


class CommentSerializer(ModelSerializer):
    author_name = VisibleCharField(read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "idea",
            "parent",
            "body",
            "language",
            "author_name",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields


class CommentCreateSerializer(Serializer):
    body = VisibleCharField(max_length=COMMENT_MAX)
    parent = _CityManagerField(
        queryset=Comment.objects,
        required=False,
        allow_null=True,
        help_text="Reply to this comment (replies are one level deep).",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language the comment is written in, one of the city's; "
        "by default the language of the request.",
    )


class SupportSerializer(Serializer):
    supported = serializers.BooleanField()
    support_count = serializers.IntegerField()


class StatusChangeSerializer(ModelSerializer):
    """One entry of an idea's public timeline. Who changed it is not shown:
    the city answers, not a named civil servant."""

    from_status = VisibleCharField(
        read_only=True, help_text="The status before; empty for the first entry."
    )
    to_status_label = VisibleCharField(source="get_to_status_display", read_only=True)
    message_i18n = TranslationsField("message")

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "idea",
            "from_status",
            "to_status",
            "to_status_label",
            "message",
            "message_i18n",
            "is_official",
            "created_at",
        ]
        read_only_fields = fields


class OfficialAnswerSerializer(StatusChangeSerializer):
    idea_title = VisibleCharField(source="idea.title", read_only=True)

    class Meta(StatusChangeSerializer.Meta):
        fields = [*StatusChangeSerializer.Meta.fields, "idea_title"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class ReportableIdeaField(IdRelatedField):
    """A public idea of the current city (resolved per request)."""

    def get_queryset(self):
        return Idea.objects.public()


@extend_schema_field(OpenApiTypes.INT)
class ReportableCommentField(IdRelatedField):
    """A visible comment on a public idea of the current city."""

    def get_queryset(self):
        return Comment.objects.filter(
            state=Comment.State.VISIBLE, idea__status__in=sorted(PUBLIC_STATUSES)
        )


class ReportCreateSerializer(Serializer):
    idea = ReportableIdeaField(required=False, allow_null=True)
    comment = ReportableCommentField(required=False, allow_null=True)
    reason = VisibleCharField(max_length=REPORT_REASON_MAX)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("idea") is None) == (attrs.get("comment") is None):
            raise serializers.ValidationError(_("Report either an idea or a comment."))
        return attrs


class ReportSerializer(ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "idea", "comment", "reason", "created_at"]
        read_only_fields = fields


class ModerateSerializer(Serializer):
    action = serializers.ChoiceField(
        choices=[
            (a.value, a.label)
            for a in ModerationAction.Action
            if a != ModerationAction.Action.AUTO_HIDE
        ]
    )
    reason = VisibleCharField(
        max_length=REPORT_REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to hide: the author sees it.",
    )
    lock_version = VersionField()


class ModerationResultSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["idea", "comment"])
    id = serializers.IntegerField()
    state = VisibleCharField(help_text="The idea's status or the comment's state.")
    lock_version = serializers.IntegerField(help_text="The version after this change (ETag).")


class QueueReasonSerializer(Serializer):
    reason = VisibleCharField()
    created_at = serializers.DateTimeField()


class QueueItemSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["idea", "comment"])
    id = serializers.IntegerField(source="pk")
    since = serializers.DateTimeField()
    open_reports = serializers.IntegerField()
    text = VisibleCharField()
    state = VisibleCharField()
    hidden_reason = VisibleCharField()
    idea_id = serializers.IntegerField()
    idea_title = VisibleCharField()
    challenge_title = VisibleCharField()
    author_email = serializers.EmailField(help_text="Moderators see who wrote it.")
    lock_version = serializers.IntegerField(
        source="version", help_text="Send it back to act on this row (If-Match or body)."
    )
    reasons = QueueReasonSerializer(many=True)
    actions = serializers.ListField(child=VisibleCharField())
