"""What the evaluation API shows and accepts. Evaluators see the idea they
score, never its author (blind by construction); scores are validated by
``evaluation.services``, which refuses unknown criteria and off-scale values."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicideas.api.concurrency import VersionField
from civicideas.api.fields import IdField, IdRelatedField, VisibleCharField
from civicideas.api.serializers import ModelSerializer, Serializer
from evaluation.models import Assignment, CriterionScore, Scorecard
from evaluation.selectors import DRAFT, NOT_STARTED, SUBMITTED
from evaluation.services import Decision
from ideas.models import Idea
from ideas.status import IdeaStatus

PROGRESS = [(NOT_STARTED, "not started"), (DRAFT, "draft"), (SUBMITTED, "submitted")]


class AssignedIdeaSerializer(ModelSerializer):
    class Meta:
        model = Idea
        fields = ["id", "title", "body", "status"]
        read_only_fields = fields


class AssignmentSerializer(ModelSerializer):
    idea = AssignedIdeaSerializer(read_only=True)
    progress = serializers.ChoiceField(choices=PROGRESS, read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "challenge", "idea", "evaluator", "progress", "created_at"]
        read_only_fields = fields


class CriterionScoreSerializer(ModelSerializer):
    class Meta:
        model = CriterionScore
        fields = ["criterion", "score", "comment"]
        read_only_fields = fields


class ScorecardSerializer(ModelSerializer):
    scores = CriterionScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "assignment",
            "state",
            "scores",
            "overall_comment",
            "recommendation",
            "submitted_at",
            "reopened_reason",
            "updated_at",
        ]
        read_only_fields = fields


class ScoreInputSerializer(Serializer):
    criterion = IdField()
    score = serializers.IntegerField(
        min_value=-32768, max_value=32767, required=False, allow_null=True
    )
    comment = VisibleCharField(max_length=2000, required=False, allow_blank=True)


class ScorecardInputSerializer(Serializer):
    scores = ScoreInputSerializer(many=True, max_length=100)
    overall_comment = VisibleCharField(max_length=5000, required=False, allow_blank=True)
    recommendation = serializers.ChoiceField(
        choices=Scorecard.Recommendation.choices, required=False, allow_blank=True
    )

    def validate_scores(self, value: list[dict]) -> list[dict]:
        criteria = [row["criterion"] for row in value]
        if len(set(criteria)) != len(criteria):
            raise serializers.ValidationError("Each criterion at most once.")
        return value


class RankRowSerializer(Serializer):
    idea_id = serializers.IntegerField()
    title = VisibleCharField()
    status = serializers.ChoiceField(choices=IdeaStatus.choices)
    support_count = serializers.IntegerField()
    scorecards = serializers.IntegerField()
    expert_raw = serializers.FloatField(allow_null=True)
    expert_calibrated = serializers.FloatField(allow_null=True)
    spread = serializers.FloatField(allow_null=True)
    support_score = serializers.FloatField()
    expert = serializers.FloatField(allow_null=True)
    final = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    high_disagreement = serializers.BooleanField()


class RankingSerializer(Serializer):
    next = serializers.URLField(allow_null=True)
    total = serializers.IntegerField()
    results = RankRowSerializer(many=True)


class RankingParamsSerializer(Serializer):
    offset = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False, default=50)


@extend_schema_field(OpenApiTypes.INT)
class CityIdeaField(IdRelatedField):
    def get_queryset(self):
        return Idea.objects.all()


class DecisionSerializer(Serializer):
    idea = CityIdeaField()
    decision = serializers.ChoiceField(choices=[(k, k) for k in Decision.STATUS])
    message = VisibleCharField(max_length=5000, help_text="The public answer.")
    lock_version = VersionField()


class DecisionResultSerializer(Serializer):
    idea = serializers.IntegerField()
    status = serializers.ChoiceField(choices=IdeaStatus.choices)
    lock_version = serializers.IntegerField(help_text="The idea's version after the decision.")
