"""Django's empty choice label is translated in every offered language
(``civicideas.pages.django_gaps``)."""

from __future__ import annotations

import pytest
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils import translation


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "- Select an option -"),
        ("fr", "- Choisir une option -"),
        ("nl", "- Kies een optie -"),
    ],
)
def test_the_empty_choice_label_is_translated(language, label):
    with translation.override(language):
        assert str(BLANK_CHOICE_LABEL) == label
