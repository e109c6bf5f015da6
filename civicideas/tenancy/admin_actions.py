"""The change list's action bar, rendered once per content and kept in the
process (issue 17).

Django renders the bar (``admin/actions.html``: the action select, the
reason field of the moderation lists, the Run button and the selection
counter) with form widgets' templates on every change list: about 0.8 ms of
a page at 100,000 ideas, for markup that is the same on every request of a
list. ``shared_actions`` renders it once per key and reuses the text.

The rule that keeps it safe: the key holds **every value the bar shows**:
the template chosen (per-model overrides included), the language, the form's
class and prefix, each field's name, type, label, widget attributes,
required/disabled flags, length limits, initial value and choices (the
actions offered, which follow the viewer's permissions), the counter's
notes and numbers, ``action_index`` and the model's name. A changed value
is a new key: nothing to invalidate, nothing another viewer could see that
their own request would not render. A bound form (a refused submit, whose
values and errors are the viewer's own), fields whose choices come from a
query, and anything without a readable value are rendered as Django does,
never kept. The bar holds no CSRF token (it is inside the list's form).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.signals import setting_changed
from django.utils.translation import get_language

#: Bars kept per process; past this the memo starts afresh.
MAX_ENTRIES = 256

_texts: dict[tuple[Any, ...], str] = {}
_lock = threading.Lock()


def _field_key(name: str, field: forms.Field) -> tuple[Any, ...] | None:
    if isinstance(field, forms.ModelChoiceField):
        return None  # choices from a query: not read twice
    choices: Any = getattr(field, "choices", None)
    key = (
        name,
        type(field),
        type(field.widget),
        str(field.label),
        str(field.help_text),
        repr(sorted(field.widget.attrs.items())),
        field.required,
        field.disabled,
        field.localize,
        getattr(field, "max_length", None),
        getattr(field, "min_length", None),
        repr(field.initial),
        repr([(str(value), str(label)) for value, label in choices]) if choices else None,
    )
    return None if " at 0x" in repr(key[5:]) else key


def form_parts(form: Any) -> tuple[Any, ...] | None:
    """Every value an unbound form without initial values shows (its class,
    prefix and each field's ``_field_key``), or None when it cannot say."""
    if not isinstance(form, forms.Form) or form.is_bound or form.initial:
        return None
    fields = []
    for name, field in form.fields.items():
        key = _field_key(name, field)
        if key is None:
            return None
        fields.append(key)
    return (type(form), form.prefix, form.auto_id, tuple(fields))


def bar_key(context: Any, template_name: str) -> tuple[Any, ...] | None:
    """Every value the action bar shows, or None when it cannot be kept."""
    shown = form_parts(context.get("action_form"))
    if shown is None:
        return None
    cl = context.get("cl")
    result_list = getattr(cl, "result_list", None)
    return (
        template_name,
        get_language(),
        *shown,
        context.get("action_index"),
        bool(context.get("actions_selection_counter")),
        len(result_list) if result_list is not None else None,
        getattr(cl, "result_count", None),
        str(context.get("selection_note", "")),
        str(context.get("selection_note_all", "")),
        str(context.get("module_name", "")),
    )


def shared_bar(key: tuple[Any, ...] | None, render: Callable[[], str]) -> str:
    """``render()`` once per ``key`` (every time when ``key`` is None)."""
    if key is None:
        return render()
    text = _texts.get(key)
    if text is None:
        text = render()
        with _lock:
            if len(_texts) >= MAX_ENTRIES:
                _texts.clear()
            _texts[key] = text
    return text


def forget(**_kwargs: Any) -> None:
    """Drop every kept bar (a setting changed, in tests)."""
    with _lock:
        _texts.clear()


setting_changed.connect(forget)
