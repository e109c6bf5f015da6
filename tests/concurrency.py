"""Helpers for the lost-update tests (``civicideas.concurrency``)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def _form_values(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value is False or name in ("logo", "image"):
            continue
        key = form.add_prefix(name)
        if isinstance(value, (list, tuple)):
            data[key] = [str(v) for v in value]
        else:
            data[key] = "on" if value is True else value
    return data


def change_form_data(response: Any, **overrides: Any) -> dict[str, Any]:
    """POST data reproducing a rendered admin change form as its reader saw
    it: the main form (with its hidden ``lock_version``) and every inline
    formset with its management form."""
    context = response.context
    data = _form_values(context["adminform"].form)
    for inline in context.get("inline_admin_formsets") or []:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    data.update(overrides)
    return data


def parallel(posts: list[Callable[[], int]]) -> list[int]:
    """Run the posts at once, each in its own thread on its own database
    connection; their status codes, sorted."""

    def run(post: Callable[[], int]) -> int:
        try:
            return post()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return sorted(pool.map(run, posts))
