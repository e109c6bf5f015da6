"""Markdown for challenge descriptions and idea bodies, rendered safely.

Text is stored as typed; this turns it into HTML at display time and then
runs the result through nh3 with a short allow-list. Raw HTML typed into the
Markdown is shown as text (nobody needs it, and sanitising escaped text is
simpler to reason about than sanitising arbitrary markup); nh3 then
removes anything the Markdown renderer itself could emit that is not on the
list, and links keep only http, https and mailto targets with
``rel="nofollow ugc"`` so user links pass no search-engine credit. Hostnames
that are not pure ASCII are shown in punycode (``civicideas.text.ascii_urls``).
"""

from __future__ import annotations

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

from civicideas.text import ascii_urls

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "a",
        "blockquote",
        "code",
        "pre",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc"


def _shift_headings(text: str) -> str:
    # Page titles are <h1> and sections <h2>: user headings start at <h3> so
    # the page's outline stays right for screen-reader users.
    for level in range(2, 0, -1):
        text = text.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return text


#: Texts rendered per process, kept by content. The output depends on the
#: text alone (and this module's code, which a deploy restarts), so a cached
#: rendering is the same for everyone and can never be stale: an edited text
#: is a new key. Pages show the same few descriptions and bodies over and
#: over (a challenge's description on every view of its page); rendering one
#: took ~0.5-1 ms. Bounded in entries and in the length of a text kept.
_CACHE_ENTRIES = 512
_CACHE_MAX_CHARS = 20_000


def render_markdown(text: str | None) -> SafeString:
    """Markdown → sanitised HTML, safe to insert into a page as is."""
    if not text:
        return mark_safe("")
    if len(text) <= _CACHE_MAX_CHARS:
        return mark_safe(_render_cached(text))  # noqa: S308 - sanitised by nh3 (below)
    return mark_safe(_render(text))  # noqa: S308 - sanitised by nh3 (below)


@lru_cache(maxsize=_CACHE_ENTRIES)
def _render_cached(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    # A fresh renderer per call: Markdown instances keep state and are not
    # thread-safe. Without its raw-HTML handlers, typed HTML is escaped by
    # Markdown itself and shows as visible text.
    md = markdown_lib.Markdown(extensions=["sane_lists", "nl2br"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    rendered = md.convert(text)
    rendered = _shift_headings(rendered)
    cleaned = nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        # Relative and protocol-relative links ("//host") are dropped too:
        # only absolute http, https and mailto targets survive.
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # Look-alike hosts (a Cyrillic "i" in the city's domain) show as punycode,
    # in the link target and in its visible text alike.
    return ascii_urls(cleaned)
