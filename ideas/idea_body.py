"""The idea's page as one shared fragment with each viewer's own parts put in.

Everything on the idea's page but the layout (``templates/ideas/_idea_body.html``:
the idea, its sponsors and project boxes, map, timeline, the fifty comments
with their reply and report forms, the comment form) is the same for every
signed-in person who is not its author, and for every anonymous reader. It
is rendered once per idea, language, time zone and kind of viewer (signed in
or not) for a stand-in viewer who wrote nothing and supports nothing
(``fragments.SharedViewer``), with the CSRF placeholder in its forms, and
kept under the idea's scope: the bumps that make the anonymous page stale
(an edit, a status change, a comment added, edited, deleted or moderated,
an official answer, a group or an initiative, a project) make it stale too.
The key also holds the idea's row as read for the person (status, revision,
counts, title, the challenge's phase and title), so a change the services
did not bump for still shows at once; and, when the idea has a location, its
support count (the map's popup shows it).

Each request then reads one narrow row (``selectors.idea_for_viewer``: the
idea, ``supported_by_me`` and the ids of the person's own comments) and puts
in, at the template's marks, what is theirs: the support box, the author's
edit/withdraw links, no report form on one's own idea, the move-support
form of a duplicate, the comment form with its errors, the sponsors box
when it may differ for them, and their own comments (edit and delete, the
hidden reason) drawn fresh over the shared copies. Then the person's CSRF
token replaces the placeholder, once. Nothing personal is ever stored: the
shared copy is rendered without any person, and a fragment holding a real
token is refused by ``fragment_cache``.

Ideas that are not public (pending, hidden, withdrawn: only their author and
the moderators see them), the no-JavaScript similar ideas (``?similar=1``)
and pages re-shown after a refused POST are rendered the same way but not
stored.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from civicideas.content.markdown import render_markdown
from civicideas.tenancy.permissions import is_city_staff
from civicideas.web import fragment_cache
from ideas import cache_keys, rules, selectors
from ideas.forms import CommentForm, ReportForm
from ideas.fragments import COMMENT_TEMPLATE, SharedViewer, comment_context, shared_comments
from ideas.map import single_idea_map
from ideas.models import Idea
from ideas.status import IdeaStatus

TEMPLATE = "ideas/_idea_body.html"
_PERSONAL = "<!--idea:personal "  # the shared copy's first line: parts that may differ


def _mark(name: str) -> str:
    return f"<!--idea:{name}-->"


def _put(html: str, name: str, part: str) -> str:
    """``part`` in place of the mark ``name`` (its first and only one: user
    text is escaped, so no mark can come from it)."""
    return html.replace(_mark(name), part, 1)


def _put_region(html: str, start: str, end: str, part: str) -> str:
    """``part`` in place of what lies between ``start`` and ``end``."""
    begin = html.find(start)
    if begin < 0:
        return html
    stop = html.find(end, begin)
    if stop < 0:
        return html
    return html[:begin] + part + html[stop + len(end) :]


def _region(html: str, name: str, part: str) -> str:
    return _put_region(html, _mark(name), f"<!--/idea:{name}-->", part)


def _render_shared(
    request: HttpRequest,
    pk: int,
    *,
    signed_in: bool,
    public: bool,
    similar: list[Idea] | None,
) -> str:
    """The body for a stand-in viewer, with the names of the parts that may
    differ per person first (``_PERSONAL``). A public idea is read as anyone
    may read it; another only as the person may (it is never stored)."""
    idea = selectors.idea_for_page(pk=pk, user=None if public else request.user)
    if idea is None:  # hidden since the person's row was read
        raise Http404
    viewer = SharedViewer(signed_in)
    can_comment = rules.can_comment(viewer, idea)
    comments = selectors.idea_comments(idea) if idea.is_public else []
    shared_comments(idea, comments, viewer=viewer, can_comment=can_comment)
    personal: set[str] = set()
    context = {
        "idea": idea,
        "body": render_markdown(idea.body),
        "images": list(idea.images.all()),
        "comments": comments,
        "timeline": selectors.idea_timeline(idea),
        "similar": similar or [],
        "similar_loaded": similar is not None,
        "user": viewer,
        "request_path": request.path,
        "is_author": False,
        "can_comment": can_comment,
        "can_report": idea.is_public and rules.can_report(viewer),
        "comment_form": CommentForm(),
        "report_form": ReportForm(),
        "idea_map": single_idea_map(idea, city=request.city),
        "csrf_token": fragment_cache.CSRF_PLACEHOLDER,
        # The includes name the parts that may differ per person (the sponsors box).
        "personal_parts": personal,
    }
    html = render_to_string(TEMPLATE, context)
    return f"{_PERSONAL}{' '.join(sorted(personal))}-->\n{html}"


def _key_parts(request: HttpRequest, idea: Idea, signed_in: bool) -> list[Any]:
    challenge = idea.challenge
    located = idea.latitude is not None and idea.longitude is not None
    return [
        signed_in,
        request.path,
        timezone.get_current_timezone_name(),
        request.city.default_language,
        idea.pk,
        idea.lock_version,
        idea.status,
        idea.comment_count,
        idea.title,
        idea.language,
        idea.support_count if located else None,
        challenge.pk,
        challenge.slug,
        challenge.phase,
        challenge.supports_enabled,
        challenge.title,
        challenge.translations,
    ]


def _shared_body(
    request: HttpRequest, idea: Idea, *, signed_in: bool, similar: list[Idea] | None
) -> tuple[set[str], str]:
    def render() -> str:
        return _render_shared(
            request,
            idea.pk,
            signed_in=signed_in,
            public=idea.is_public,
            similar=similar,
        )

    if request.method == "GET" and idea.is_public and similar is None:
        html = fragment_cache.current(
            "idea-body",
            scopes=[cache_keys.idea_scope(request.city.pk, idea.pk)],
            parts=_key_parts(request, idea, signed_in),
            render=render,
        )
    else:
        html = render()
    head, _, body = html.partition("-->\n")
    return set(head.removeprefix(_PERSONAL).split()), body


def person_context(request: HttpRequest, idea: Idea) -> dict[str, Any]:
    """What the idea's per-person parts show (the support box alone too)."""
    user = request.user
    return {
        "idea": idea,
        "user": user,
        "request": request,
        "request_path": request.path,
        "csrf_token": fragment_cache.CSRF_PLACEHOLDER,
        "is_author": rules.is_own_idea(user, idea),
        "can_support": rules.can_support(user, idea),
        "can_unsupport": rules.supports_open_to(user, idea),
        "supports_open": idea.challenge.accepts_supports,
    }


def page_body(
    request: HttpRequest,
    idea: Idea,
    *,
    comment_form: CommentForm | None = None,
    similar: list[Idea] | None = None,
) -> SafeString:
    """The idea's page but for the layout, for ``request``'s person.

    ``idea``: as ``selectors.idea_for_viewer`` (or ``idea_for_page``) read
    it for them. ``comment_form``: a refused comment, shown with its errors.
    ``similar``: the similar ideas, shown in place (no JavaScript,
    ``?similar=1``); None: loaded after the page by htmx."""
    user = request.user
    signed_in = bool(user.is_authenticated)
    personal, html = _shared_body(request, idea, signed_in=signed_in, similar=similar)
    context = person_context(request, idea)
    is_author = context["is_author"]
    html = _put(html, "support", _partial("support-button", context))
    if is_author:
        context["can_edit"] = rules.can_edit_idea(user, idea)
        context["can_withdraw"] = rules.can_withdraw_idea(user, idea)
        html = _put(html, "author-actions", _partial("author-actions", context))
        html = _region(html, "report", "")  # no report of one's own idea
    if (
        idea.status == IdeaStatus.DUPLICATE
        and idea.duplicate_of_id is not None
        and getattr(idea, "supported_by_me", False)
    ):
        context["can_move_support"] = True
        html = _put(html, "move-support", _partial("move-support", context))
    if comment_form is not None:
        context["comment_form"] = comment_form
        context["can_comment"] = rules.can_comment(user, idea)
        html = _region(html, "comment-form", _partial("comment-form", context))
    if signed_in and (
        is_author or "sponsors" in personal or not idea.is_public or is_city_staff(user)
    ):
        box = render_to_string("sponsors/_idea_group.html", context)
        html = _region(html, "sponsors", box)
    html = _own_comments(request, idea, html)
    return fragment_cache.with_csrf(html, request)


def _partial(name: str, context: dict[str, Any]) -> str:
    return render_to_string(f"{TEMPLATE}#{name}", context)


def _own_comments(request: HttpRequest, idea: Idea, html: str) -> str:
    """The person's own comments drawn for them over the shared copies."""
    ids = getattr(idea, "my_comment_ids", None)
    if not idea.is_public or ids == []:
        return html
    user = request.user
    can_comment = rules.can_comment(user, idea)
    for comment in selectors.own_comments(idea, user, ids):
        comment.can_edit = rules.can_edit_comment(user, comment)  # type: ignore[attr-defined]
        comment.can_delete = rules.can_delete_comment(user, comment)  # type: ignore[attr-defined]
        mine = render_to_string(
            COMMENT_TEMPLATE,
            comment_context(
                comment,
                idea,
                is_reply=comment.parent_id is not None,
                can_comment=can_comment,
                user=user,
            ),
        )
        html = _put_region(
            html, f"<!--comment:{comment.pk}-->", f"<!--/comment:{comment.pk}-->", mine
        )
    return html
