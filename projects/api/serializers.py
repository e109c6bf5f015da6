"""What the projects API shows and accepts.

Public answers never name a person: the responsible civil servant is shown
by role only (``responsible_role``), updates carry no author, status changes
no "by". Writing serializers check shape (types, lengths); the rules (budget
sane, dates in order, accepted ideas of this city in no other project) are
``projects.services``'; related ids are looked up among the current city's
rows, so another city's id is "does not exist" (400).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicideas.api.concurrency import VersionField
from civicideas.api.fields import IdField, IdRelatedField, TranslationsField, VisibleCharField
from civicideas.api.serializers import ModelSerializer, Serializer
from ideas.api.serializers import CategoryRefSerializer, CoordinateField, DistrictRefSerializer
from ideas.models import Category, Department, District, Idea
from projects.models import (
    EXTERNAL_REF_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Milestone,
    Project,
    ProjectUpdate,
)
from projects.status import ProjectStatus

#: Ideas one request may link (a project carries out a handful).
IDEAS_MAX = 100
#: The newest updates a project's detail carries (the rest: ``/updates/``).
LATEST_UPDATES = 3
SORTS = {
    "recent": ("-updated_at", "-pk"),
    "progress": ("-progress", "-pk"),
    "planned_end": ("planned_end", "pk"),
    "budget": ("-budget_planned", "-pk"),
    "title": ("title", "pk"),
}
AMOUNT = {"max_digits": 14, "decimal_places": 2}


class DepartmentRefSerializer(ModelSerializer):
    name_i18n = TranslationsField("name")

    class Meta:
        model = Department
        fields = ["id", "name", "name_i18n", "slug"]
        read_only_fields = fields


class MilestoneSerializer(ModelSerializer):
    title_i18n = TranslationsField("title")
    is_done = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "title",
            "title_i18n",
            "starts_on",
            "due_on",
            "done_on",
            "is_done",
            "weight",
            "external_ref",
        ]
        read_only_fields = fields

    def get_is_done(self, milestone: Milestone) -> bool:
        return milestone.done_on is not None


class UpdateSerializer(ModelSerializer):
    """News on a project. No author: the city speaks, not a named person."""

    text_i18n = TranslationsField("text")
    image = serializers.SerializerMethodField()

    class Meta:
        model = ProjectUpdate
        fields = ["id", "project", "text", "text_i18n", "image", "image_alt", "published_on"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image(self, update: ProjectUpdate) -> str | None:
        if not update.image:
            return None
        request = self.context.get("request")
        url = update.image.url
        return request.build_absolute_uri(url) if request is not None else url


class LinkedIdeaSerializer(ModelSerializer):
    status_label = VisibleCharField(source="get_status_display", read_only=True)

    class Meta:
        model = Idea
        fields = ["id", "challenge", "title", "status", "status_label", "support_count"]
        read_only_fields = fields


class ProjectSerializer(ModelSerializer):
    """A project in a list: one query per page whatever its length (the
    category, district and department come with it)."""

    title_i18n = TranslationsField("title")
    status_label = VisibleCharField(source="get_status_display", read_only=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    district = DistrictRefSerializer(read_only=True, allow_null=True)
    department = DepartmentRefSerializer(read_only=True, allow_null=True)
    is_late = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "title_i18n",
            "status",
            "status_label",
            "stop_reason",
            "progress",
            "progress_override_reason",
            "category",
            "district",
            "department",
            "parent",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "is_late",
            "budget_planned",
            "budget_spent",
            "latitude",
            "longitude",
            "is_public",
            "external_ref",
            "updated_at",
            "lock_version",
        ]
        read_only_fields = fields

    def get_is_late(self, project: Project) -> bool:
        return project.is_late(self.context["today"])


class ProjectDetailSerializer(ProjectSerializer):
    """One project with its ideas, milestones and newest updates. Expects
    ``ideas_shown``, ``milestones_shown``, ``updates_shown`` and
    ``responsible_role`` set by the view (a fixed number of queries)."""

    description_i18n = TranslationsField("description")
    responsible_role = VisibleCharField(
        read_only=True,
        allow_null=True,
        help_text="The responsible civil servant's role (never their name).",
    )
    ideas = LinkedIdeaSerializer(source="ideas_shown", many=True, read_only=True)
    milestones = MilestoneSerializer(source="milestones_shown", many=True, read_only=True)
    latest_updates = UpdateSerializer(source="updates_shown", many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "description",
            "description_i18n",
            "weight",
            "responsible_role",
            "ideas",
            "milestones",
            "latest_updates",
            "created_at",
        ]
        read_only_fields = fields


# --- writing ---------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class CityCategoryField(IdRelatedField):
    def get_queryset(self):
        return Category.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class CityDistrictField(IdRelatedField):
    def get_queryset(self):
        return District.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class CityDepartmentField(IdRelatedField):
    def get_queryset(self):
        return Department.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class CityProjectField(IdRelatedField):
    def get_queryset(self):
        return Project.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class CityIdeaField(IdRelatedField):
    """An idea of the current city; ``project_create`` checks it is accepted
    and in no other project."""

    def get_queryset(self):
        return Idea.objects.all()


class ProjectWriteSerializer(Serializer):
    title = VisibleCharField(max_length=TITLE_MAX)
    description = VisibleCharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    parent = CityProjectField(required=False, allow_null=True)
    weight = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    department = CityDepartmentField(required=False, allow_null=True)
    category = CityCategoryField(required=False, allow_null=True)
    district = CityDistrictField(required=False, allow_null=True)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)
    budget_planned = serializers.DecimalField(
        **AMOUNT, required=False, allow_null=True, help_text="EUR, 0 to 10,000,000,000."
    )
    budget_spent = serializers.DecimalField(
        **AMOUNT, required=False, allow_null=True, help_text="EUR, 0 to 10,000,000,000."
    )
    latitude = CoordinateField(limit=90, required=False, allow_null=True)
    longitude = CoordinateField(limit=180, required=False, allow_null=True)
    progress_override = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Set progress by hand (with a reason); null derives it again.",
    )
    progress_override_reason = VisibleCharField(max_length=300, required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False)
    external_ref = VisibleCharField(
        max_length=EXTERNAL_REF_MAX,
        required=False,
        allow_blank=True,
        help_text="The project's reference in the city's own system (unique in the city).",
    )


class ProjectCreateSerializer(ProjectWriteSerializer):
    ideas = serializers.ListField(
        child=CityIdeaField(),
        required=False,
        max_length=IDEAS_MAX,
        help_text="Accepted ideas of this city that no other project carries out.",
    )


class ProjectUpdateSerializer(ProjectWriteSerializer):
    """PATCH: every field optional; absent fields keep their value."""

    lock_version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class SetStatusSerializer(Serializer):
    status = serializers.ChoiceField(choices=ProjectStatus.choices)
    reason = VisibleCharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to stop a project; shown on its public page.",
    )
    on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day it started or ended (default today).",
    )
    lock_version = VersionField()


class MilestoneCreateSerializer(Serializer):
    title = VisibleCharField(max_length=TITLE_MAX)
    starts_on = serializers.DateField(required=False, allow_null=True)
    due_on = serializers.DateField()
    done_on = serializers.DateField(required=False, allow_null=True)
    weight = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    external_ref = VisibleCharField(
        max_length=EXTERNAL_REF_MAX, required=False, allow_blank=True, default=""
    )


class UpdateCreateSerializer(Serializer):
    """Text updates; an update with an image is published in the admin."""

    text = VisibleCharField(max_length=TEXT_MAX)
    published_on = serializers.DateField(required=False, allow_null=True)


class ProjectListParamsSerializer(Serializer):
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    category = IdField(required=False)
    district = IdField(required=False)
    department = IdField(required=False)
    challenge = IdField(required=False, help_text="Projects carrying out ideas of this challenge.")
    q = VisibleCharField(
        max_length=200, required=False, allow_blank=True, help_text="Words of the title."
    )
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="recent")
