"""Thin API views over ``notifications.outbox`` and ``notifications.preferences``:
a person reads and marks their own notifications in the current city and
chooses, per kind, how to be emailed. Another person's id is a 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicideas.api.fields import VisibleCharField
from civicideas.api.serializers import ModelSerializer, Serializer
from civicideas.api.views import ERROR, CityBoundMixin
from civicideas.notifications import outbox, preferences
from civicideas.notifications.kinds import kind_or_unknown
from civicideas.notifications.models import Channel, Notification

if TYPE_CHECKING:
    from civicideas.accounts.models import User


class NotificationSerializer(ModelSerializer):
    label = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "label", "text", "created_at", "read_at"]
        read_only_fields = fields

    def get_label(self, notification: Notification) -> str:
        return str(kind_or_unknown(notification.kind).label)

    def get_text(self, notification: Notification) -> str:
        return kind_or_unknown(notification.kind).text(notification.payload)


class MarkedSerializer(Serializer):
    marked = serializers.IntegerField(help_text="How many notifications became read.")


class PreferenceSerializer(Serializer):
    kind = VisibleCharField()
    label = VisibleCharField()
    channel = serializers.ChoiceField(choices=Channel.choices)


class PreferencesUpdateSerializer(Serializer):
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=Channel.choices),
        allow_empty=False,
        help_text="{kind: channel} for the kinds to change; other kinds keep theirs.",
    )

    def validate_choices(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 200:
            raise serializers.ValidationError(_("Too many kinds of notification."))
        return value


class PreferencesUpdatedSerializer(Serializer):
    changed = serializers.IntegerField()
    preferences = PreferenceSerializer(many=True)


def _preference_rows(user: User) -> list[dict[str, str]]:
    return [
        {"kind": kind.key, "label": str(kind.label), "channel": channel}
        for kind, channel in preferences.preferences_for(user)
    ]


@extend_schema_view(
    list=extend_schema(summary="My notifications in this city, newest first"),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(
    CityBoundMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    # One person's data: never cached (civicideas.cache_policy).
    private_page = True
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.with_scopes_disabled().none()
        return (
            Notification.objects.for_user(self.request.user)
            .only("pk", "kind", "payload", "created_at", "read_at")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        request=None,
        summary="Mark one notification read",
        responses={200: MarkedSerializer, 401: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        count = outbox.notifications_mark_read(user=request.user, ids=[notification.pk])
        return Response(MarkedSerializer({"marked": count}).data)

    @extend_schema(
        request=None,
        summary="Mark all my notifications read",
        responses={200: MarkedSerializer, 401: ERROR},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        count = outbox.notifications_mark_read(user=request.user)
        return Response(MarkedSerializer({"marked": count}).data)


class PreferenceView(CityBoundMixin, APIView):
    """How I want each kind of notification emailed (in-app always)."""

    # One person's data: never cached (civicideas.cache_policy).
    private_page = True

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="My notification preferences in this city",
        responses={200: PreferenceSerializer(many=True), 401: ERROR},
    )
    def get(self, request: Request) -> Response:
        return Response(PreferenceSerializer(_preference_rows(request.user), many=True).data)

    @extend_schema(
        summary="Change some of my notification preferences",
        request=PreferencesUpdateSerializer,
        responses={200: PreferencesUpdatedSerializer, 400: ERROR, 401: ERROR},
    )
    def put(self, request: Request) -> Response:
        data = PreferencesUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offered = {row["kind"] for row in _preference_rows(request.user)}
        choices = data.validated_data["choices"]
        if set(choices) - offered:
            raise serializers.ValidationError(
                {"choices": [_("Choose among the kinds of notification you may receive.")]}
            )
        changed = preferences.preferences_set(user=request.user, choices=choices)
        body = {"changed": changed, "preferences": _preference_rows(request.user)}
        return Response(PreferencesUpdatedSerializer(body).data)
