"""Every URL pattern of the project, as concrete URLs to attack.

The routes are read from the URL resolver (never listed by hand), so a route
added tomorrow is swept tomorrow. Each pattern becomes a template whose
parameters are filled either with a *valid* value (an id of a row of the
right kind in the city, so the view runs past its lookup and reads the
hostile query or body) or with a *hostile* value (non-ASCII digits, 10**30,
NaN, NUL, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# Path values that have each been a 500 somewhere: digits that
# ``str.isdigit()`` accepts but ``int()`` does not (or reads differently),
# numbers past bigint, words that float() accepts, NUL, signs, emptiness.
HOSTILE_PATH_VALUES = [
    "²",
    "①",
    "١٢",  # Arabic-Indic 12
    str(10**30),
    "-1",
    "0",
    "",
    "NaN",
    "Infinity",
    "1e3",
    "\x00",
]

# Query values, rotated over the query parameters the views read.
HOSTILE_QUERY_VALUES = [
    "²",
    "①",
    "\u0661",
    str(10**30),
    "-1",
    "NaN",
    "Infinity",
    "\x00",
    "1e999",
    "",
]
QUERY_NAMES = [
    "page",
    "p",
    "o",
    "q",
    "sort",
    "seed",
    "challenge",
    "category",
    "district",
    "status",
    "group",
    "initiative",
    "sponsor",
    "kind",
    "state",
    "offset",
    "page_size",
    "cursor",
    "similar",
    "title",
    "next",
    "language",
    "v",
    "id__exact",
    "challenge__id__exact",
    "idea__id__exact",
    "field_name",
    "app_label",
    "model_name",
    "term",
    "progress",
    "closing",
    "reported",
    "e",
    "_changelist_filters",
]
FORM_ID_NAMES = [
    "sponsor",
    "group",
    "need",
    "idea",
    "comment",
    "parent",
    "challenge",
    "category",
    "district",
    "initiative",
    "source_idea",
    "criterion",
    "evaluator",
    "duplicate_of",
    "ideas",
    "items",
    "_selected_action",
    "index",
    "select_across",
    "quantity",
    "seed",
    "page",
]

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name, a template with ``{name}`` holes, and
    for each hole the path segment before it (what kind of thing it names)."""

    name: str
    template: str
    params: tuple[tuple[str, str], ...]  # (param, segment before it)

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")

    def fill(self, value_for: Callable[[str, str], str]) -> str:
        url = self.template
        for param, segment in self.params:
            url = url.replace("{" + param + "}", value_for(param, segment), 1)
        return "/" + url


def _regex_to_template(regex: str) -> str:
    """``^ideas/(?P<pk>[^/.]+)/$`` → ``ideas/{pk}/`` (named groups become holes)."""
    out, i = [], 0
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end = regex.index(">", i)
            name = regex[i + 4 : end]
            depth, j, in_class = 1, end + 1, False
            while depth:
                char = regex[j]
                if char == "\\":
                    j += 2
                    continue
                if char == "[":
                    in_class = True
                elif char == "]":
                    in_class = False
                elif not in_class and char == "(":
                    depth += 1
                elif not in_class and char == ")":
                    depth -= 1
                j += 1
            out.append("{" + name + "}")
            i = j
        elif regex[i] == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _pattern_template(pattern: object) -> str:
    if isinstance(pattern, RoutePattern):
        return _PARAM.sub(lambda m: "{" + m["name"] + "}", str(pattern._route))
    if isinstance(pattern, RegexPattern):
        return _regex_to_template(pattern._regex)
    raise TypeError(pattern)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        template = prefix + _pattern_template(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, template, inner)
        elif isinstance(entry, URLPattern):
            params = []
            for match in re.finditer(r"\{([^}]+)\}", template):
                before = template[: match.start()].rstrip("/").rsplit("/", 1)[-1]
                params.append((match[1], before))
            yield Route(f"{namespace}{entry.name or ''}", template, tuple(params))


def all_routes() -> list[Route]:
    """Every URL pattern of the root URLconf (admin, allauth, API, pages)."""
    return list(_walk(get_resolver()))


# ``<segment>/<id>`` → the model whose id it is, to fill valid values.
SEGMENT_MODELS = {
    "ideas": "ideas.Idea",
    "idea_pk": "ideas.Idea",
    "comments": "ideas.Comment",
    "challenges": "ideas.Challenge",
    "categories": "ideas.Category",
    "districts": "ideas.District",
    "official-answers": "ideas.StatusChange",
    "reports": "ideas.Report",
    "initiatives": "sponsors.Initiative",
    "groups": "sponsors.CommunityGroup",
    "group_pk": "sponsors.CommunityGroup",
    "sponsors": "sponsors.Sponsor",
    "needs": "sponsors.Need",
    "need_pk": "sponsors.Need",
    "offers": "sponsors.Offer",
    "assignments": "evaluation.Assignment",
    "scorecards": "evaluation.Scorecard",
    "rankings": "evaluation.ChallengeEvaluation",
    "notifications": "notifications.Notification",
    "tokens": "apitokens.ApiToken",
}


def model_for(route: Route, param: str, segment: str):
    """The model a path parameter names, when it can be told."""
    if route.is_admin and param == "object_id":
        bits = route.template.split("/")
        if len(bits) > 2:
            try:
                return apps.get_model(bits[1], bits[2])
            except (LookupError, ValueError):
                return None
    label = SEGMENT_MODELS.get(param) or SEGMENT_MODELS.get(segment)
    return apps.get_model(label) if label else None


def quoted(value: str) -> str:
    return quote(value, safe="")
