"""My participation: the signed-in citizen's ideas, supports and comments."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from civicideas.cache_policy import private_page
from civicideas.web.decorators import city_required
from ideas import rules, selectors
from ideas.views.common import _login_redirect, _signed_in


@private_page
@require_GET
@city_required
def my_participation(request: HttpRequest) -> HttpResponse:
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    user = request.user
    ideas = selectors.my_ideas(user)
    for idea in ideas:
        idea.can_edit = rules.can_edit_idea(user, idea)
        idea.can_withdraw = rules.can_withdraw_idea(user, idea)
    return TemplateResponse(
        request,
        "ideas/me.html",
        {
            "ideas": ideas,
            "supports": selectors.my_supports(user),
            "comments": selectors.my_comments(user),
        },
    )
