"""What the sponsors API shows and accepts.

Public profiles carry no email address (contact goes through the platform).
Writing serializers list exactly what a group admin or a sponsor member may
set; related ids are resolved per request among the current city's rows the
person may use, so another city's id is "does not exist".
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicideas.api.concurrency import VersionField
from civicideas.api.fields import IdField, IdRelatedField, VisibleCharField
from civicideas.api.serializers import ModelSerializer, Serializer
from ideas.api.serializers import CategoryRefSerializer, DistrictRefSerializer
from ideas.models import Category, District, Idea
from sponsors import rules, selectors
from sponsors.models import (
    NAME_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    CommunityGroup,
    Initiative,
    InitiativeStatus,
    Need,
    Offer,
    ResourceType,
    Sponsor,
    Unit,
)

QTY_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
MESSAGE_MAX = 2_000


class GroupSerializer(ModelSerializer):
    approved = serializers.BooleanField(source="is_approved", read_only=True)

    class Meta:
        model = CommunityGroup
        fields = ["id", "name", "description", "approved", "created_at"]
        read_only_fields = fields


class GroupCreateSerializer(Serializer):
    name = VisibleCharField(max_length=NAME_MAX)
    description = VisibleCharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    contact_email = serializers.EmailField(help_text="Seen by the city only, never published.")


class NeedSerializer(ModelSerializer):
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "initiative",
            "kind",
            "quantity",
            "unit",
            "fulfilled",
            "remaining",
            "description",
            "deadline",
            "is_open",
            "closed_at",
            "created_at",
            "lock_version",
        ]
        read_only_fields = fields


class InitiativeSerializer(ModelSerializer):
    group = GroupSerializer(read_only=True)
    categories = CategoryRefSerializer(many=True, read_only=True)
    district = DistrictRefSerializer(read_only=True, allow_null=True)
    status_label = VisibleCharField(source="get_status_display", read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "group",
            "title",
            "summary",
            "description",
            "categories",
            "district",
            "starts_on",
            "ends_on",
            "source_idea",
            "status",
            "status_label",
            "open_need_count",
            "next_deadline",
            "funding_remaining",
            "created_at",
            "published_at",
            "lock_version",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class AdminGroupField(IdRelatedField):
    """A group of the current city that the person administers."""

    def get_queryset(self):
        user = self.context["request"].user
        admin_of = [pk for pk, role in rules.group_roles(user).items() if role == "admin"]
        return CommunityGroup.objects.filter(pk__in=admin_of)


@extend_schema_field(OpenApiTypes.INT)
class CityCategoryField(IdRelatedField):
    def get_queryset(self):
        return Category.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class CityDistrictField(IdRelatedField):
    def get_queryset(self):
        return District.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class CityIdeaField(IdRelatedField):
    def get_queryset(self):
        return Idea.objects.all()


class InitiativeWriteSerializer(Serializer):
    title = VisibleCharField(max_length=NAME_MAX)
    summary = VisibleCharField(max_length=SUMMARY_MAX, required=False, allow_blank=True)
    description = VisibleCharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    categories = serializers.ListField(
        child=CityCategoryField(), required=False, max_length=50, allow_empty=True
    )
    district = CityDistrictField(required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class InitiativeCreateSerializer(InitiativeWriteSerializer):
    group = AdminGroupField(help_text="A group you administer.")
    source_idea = CityIdeaField(
        required=False, allow_null=True, help_text="An accepted idea it comes from."
    )


class InitiativeUpdateSerializer(InitiativeWriteSerializer):
    lock_version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class ManagedInitiativeField(IdRelatedField):
    """An initiative of a group the person administers."""

    def get_queryset(self):
        user = self.context["request"].user
        admin_of = [pk for pk, role in rules.group_roles(user).items() if role == "admin"]
        return Initiative.objects.filter(group_id__in=admin_of)


class NeedCreateSerializer(Serializer):
    initiative = ManagedInitiativeField(help_text="An initiative of a group you administer.")
    kind = serializers.ChoiceField(choices=ResourceType.choices)
    quantity = serializers.DecimalField(**QTY_FIELD)
    unit = serializers.ChoiceField(choices=Unit.choices)
    description = VisibleCharField(max_length=SUMMARY_MAX, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)


class SponsorSerializer(ModelSerializer):
    """A sponsor's public profile: no email address, no budget."""

    categories = CategoryRefSerializer(many=True, read_only=True)
    districts = DistrictRefSerializer(many=True, read_only=True)
    resource_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ResourceType.choices), read_only=True
    )
    verified = serializers.BooleanField(source="is_verified", read_only=True)
    website = VisibleCharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = Sponsor
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "website",
            "categories",
            "districts",
            "city_wide",
            "resource_types",
            "verified",
        ]
        read_only_fields = fields


class OfferSerializer(ModelSerializer):
    # Null for a resident's own offer of time (made in the browser).
    sponsor_name = VisibleCharField(source="sponsor.name", read_only=True, allow_null=True)
    initiative_title = VisibleCharField(source="initiative.title", read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "sponsor",
            "sponsor_name",
            "need",
            "initiative",
            "initiative_title",
            "quantity",
            "message",
            "conditions",
            "state",
            "accepted_quantity",
            "decided_at",
            "created_at",
            "lock_version",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class MySponsorField(IdRelatedField):
    """A sponsor of the current city the person is a member of."""

    def get_queryset(self):
        return Sponsor.objects.filter(
            pk__in=list(rules.sponsor_roles(self.context["request"].user))
        )


@extend_schema_field(OpenApiTypes.INT)
class OpenNeedField(IdRelatedField):
    """A need of a public initiative of the current city."""

    def get_queryset(self):
        return Need.objects.filter(initiative__in=selectors.public_initiatives())


class OfferCreateSerializer(Serializer):
    sponsor = MySponsorField(help_text="A sponsor you are a member of.")
    need = OpenNeedField()
    quantity = serializers.DecimalField(**QTY_FIELD)
    message = VisibleCharField(max_length=MESSAGE_MAX, required=False, allow_blank=True)
    conditions = VisibleCharField(max_length=MESSAGE_MAX, required=False, allow_blank=True)


class OfferAcceptSerializer(Serializer):
    quantity = serializers.DecimalField(
        **QTY_FIELD, required=False, allow_null=True, help_text="Part of it; all by default."
    )
    lock_version = VersionField()


class OfferAcceptedSerializer(Serializer):
    offer = OfferSerializer()
    accepted = serializers.DecimalField(max_digits=14, decimal_places=2)
    matched = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Added by the city's match fund (EUR)."
    )
    fund_exhausted = serializers.BooleanField()


class OfferDeclineSerializer(Serializer):
    reason = VisibleCharField(max_length=MESSAGE_MAX, required=False, allow_blank=True)
    lock_version = VersionField()


class InitiativeListParamsSerializer(Serializer):
    group = IdField(required=False)
    status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
    district = IdField(required=False)
    category = IdField(required=False)


class NeedListParamsSerializer(Serializer):
    initiative = IdField(required=False)
    open = serializers.BooleanField(required=False, help_text="Only needs still open.")


class OfferListParamsSerializer(Serializer):
    state = serializers.ChoiceField(choices=Offer.State.choices, required=False)
    initiative = IdField(required=False)
    sponsor = IdField(required=False)
