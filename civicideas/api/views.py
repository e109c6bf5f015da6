"""API views that are not about one app: issuing and revoking tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from civicideas.accounts import guesses
from civicideas.accounts.rules import has_verified_email
from civicideas.api import idempotency
from civicideas.api.authentication import CityTokenAuthentication
from civicideas.api.concurrency import add_etag
from civicideas.api.errors import error_body
from civicideas.api.schema import ErrorSerializer
from civicideas.api.tokens import token_issue, token_revoke
from civicideas.apitokens.models import ApiToken


class CityBoundMixin:
    """API views answer on city hosts only; the platform host has no city,
    so its tenant tables are closed and the API does not exist there.

    Answers about one versioned thing carry its ``ETag`` (``lock_version``,
    see ``civicideas.api.concurrency``).

    Also honours ``Idempotency-Key`` on POST (``civicideas.api.idempotency``):
    checked after authentication and permissions, answered from the cache
    on a replay, remembered when the view has answered.
    """

    _idempotency: tuple[str, str] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if getattr(request._request, "city", None) is None:
            raise exceptions.NotFound()
        super().initial(request, *args, **kwargs)
        self._idempotency = None
        self._idempotency = idempotency.begin(request)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = add_etag(super().finalize_response(request, response, *args, **kwargs))
        if self._idempotency is not None:
            idempotency.finish(self._idempotency, response)
            self._idempotency = None
        return response


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The secret. Shown only this once.")
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()


# Views name their error answers with ERROR; civicideas.api.schema adds the
# standard ones to every operation.
ERROR = ErrorSerializer
#: The error answers of a write (POST, PATCH) in the schema: refused input,
#: not signed in, not allowed, not found, stale (``lock_version``, If-Match).
WRITE_ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 412: ERROR}


def query_params(serializer_class: type[serializers.Serializer], request: Request) -> Any:
    """The request's query string cleaned by ``serializer_class``: its
    ``validated_data``, or a 400 in the API's error shape."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


class TokenView(CityBoundMixin, APIView):
    """Tokens of this city: send `Authorization: Token <secret>` with each
    request. A token works only on the host of the city that issued it."""

    # One person's data: never cached (civicideas.cache_policy).
    private_page = True

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_authenticators(self) -> list[Any]:
        # Issuing needs no authentication (and so no CSRF check: the token
        # goes to the response body, never to a cookie). Revoking is by token.
        if self.request is not None and self.request.method == "DELETE":
            return [CityTokenAuthentication()]
        if getattr(self, "swagger_fake_view", False) or self.request is None:
            return [CityTokenAuthentication()]
        return []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: TokenSerializer, 400: ERROR, 429: ERROR},
        auth=[],
        summary="Issue a token for this city",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        # One guess budget with the sign-in form (civicideas.accounts.guesses):
        # an account the form has locked gets no token, and vice versa.
        try:
            guess = guesses.guess_take(request=request._request, login=email)
        except guesses.TooManyGuesses as locked:
            raise exceptions.Throttled(wait=locked.retry_after, detail=locked.message) from None
        user = authenticate(request._request, email=email, password=data.validated_data["password"])
        if user is None or not user.is_active:
            # The same answer whether the address exists or not.
            return Response(
                error_body(
                    "invalid_credentials",
                    _("The email address and/or password you specified are not correct."),
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        guesses.guess_succeeded(guess)
        if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not has_verified_email(user):
            # Only said to someone who knows the password.
            return Response(
                error_body(
                    "email_unverified", _("Verify your email address before using the API.")
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, raw = token_issue(user=user)
        body = TokenSerializer(
            {"token": raw, "prefix": token.key_prefix, "created_at": token.created_at}
        ).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), 401: ERROR},
        summary="Revoke the token used for this request",
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated()
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
