"""Markdown rendering: the allow-list holds whatever people type."""

from __future__ import annotations

import pytest

from civicideas.content.markdown import render_markdown

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "![img](https://evil.example/track.png)",
]


def dangerous_markup(html: str) -> list[str]:
    """Elements and attributes in ``html`` (as a browser parses it) that could
    run script or load content: what must never come out of user text."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in {"script", "img", "svg", "iframe", "object", "embed", "style", "form"}:
                found.append(tag)
            for name, value in attrs:
                value = (value or "").strip().lower()
                if name.startswith("on") or name in {"style", "src", "srcdoc", "formaction"}:
                    found.append(f"{tag}@{name}")
                if name == "href" and not value.startswith(("https:", "http:", "mailto:")):
                    found.append(f"{tag}@href={value}")

    Finder().feed(html)
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markup_is_inert(text):
    assert dangerous_markup(render_markdown(text)) == []


def test_typed_html_shows_as_text():
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_links_keep_safe_schemes_with_rel():
    html = render_markdown("[site](https://example.org) [mail](mailto:a@example.org)")
    assert 'href="https://example.org"' in html
    assert 'href="mailto:a@example.org"' in html
    assert html.count('rel="nofollow ugc"') == 2


def test_relative_links_are_dropped():
    html = render_markdown("[a](/admin/) [b](//evil.example)")
    assert "href" not in html


def test_formatting_subset():
    html = render_markdown("# Big\n\n**bold** *it*\n\n- one\n- two\n\n> quote\n\n`code`")
    assert "<h3>Big</h3>" in html  # headings start below the page's own
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html


def test_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_unicode_kept():
    text = "Émoji 🌳, עברית, e\u0301"
    assert "🌳" in render_markdown(text)
    assert "עברית" in render_markdown(text)


def test_rendering_is_kept_by_content_and_a_changed_text_renders_anew():
    """A cached rendering is the same sanitised HTML on every call (a hit
    never skips the sanitiser's result), and an edited text is not served
    its old rendering."""
    from civicideas.content.markdown import _render_cached

    _render_cached.cache_clear()
    hostile = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    first = render_markdown(hostile)
    second = render_markdown(hostile)
    assert first == second
    assert "<script>" not in second and "javascript:" not in second
    assert _render_cached.cache_info().hits == 1
    assert "<em>edited</em>" in render_markdown(hostile + " *edited*")
    long_text = "word " * 5_000  # over the kept length: rendered each time
    assert render_markdown(long_text) == render_markdown(long_text)
    assert _render_cached.cache_info().currsize == 2
