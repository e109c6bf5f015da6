"""The accessibility template helpers (issue 20): ``lang_attr`` and
``page_has_form_errors``."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from civicideas.pages.templatetags.civic_a11y import lang_attr, page_has_form_errors


class NameForm(forms.Form):
    name = forms.CharField()


class QuietForm(NameForm):
    shows_errors = False


def test_lang_attr_only_for_another_language():
    with translation.override("en"):
        assert lang_attr("en") == ""
        assert lang_attr("en-gb") == ""
        assert lang_attr("") == "" and lang_attr(None) == ""
        assert lang_attr("fr") == ' lang="fr"'
    with translation.override("fr"):
        assert lang_attr("en") == ' lang="en"'
        assert lang_attr("fr") == ""


def test_lang_attr_escapes_what_it_is_given():
    with translation.override("en"):
        assert lang_attr('x"><script>') == ' lang="x&quot;&gt;&lt;script&gt;"'


def test_page_has_form_errors():
    assert not page_has_form_errors(Context({"form": NameForm()}))  # unbound
    assert not page_has_form_errors(Context({"form": NameForm({"name": "Ada"})}))
    assert page_has_form_errors(Context({"form": NameForm({"name": ""})}))
    # Any form of the context, under any name, in any layer.
    context = Context({"form": NameForm({"name": "Ada"})})
    context.push({"comment_form": NameForm({})})
    assert page_has_form_errors(context)
    # A form that never shows its errors (filters) does not count.
    assert not page_has_form_errors(Context({"filters": QuietForm({})}))


def test_page_has_form_errors_leaves_lazy_values_alone():
    """The CSP nonce is lazy: evaluating it would make the page uncacheable."""
    evaluated = []
    lazy = SimpleLazyObject(lambda: evaluated.append(1) or "nonce")
    assert not page_has_form_errors(Context({"csp_nonce": lazy}))
    assert evaluated == []


def test_title_is_prefixed_in_the_page_language():
    template = Template(
        "{% load i18n civic_a11y %}{% page_has_form_errors as e %}"
        '{% if e %}{% translate "Error:" %} {% endif %}Title'
    )
    with translation.override("fr"):
        html = template.render(Context({"form": NameForm({})}))
    assert html.startswith("Erreur") and html.endswith("Title")
