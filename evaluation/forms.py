"""The scorecard form: the admin page's POST, cleaned into typed values.

Why a form: the scorecard services take ``int`` scores and ``str`` texts
only (a string score reaching them is a programming error, as in sponsors'
services), so the text of a POST is parsed here, once -- ASCII digits only
(:mod:`civicideas.inputs`), each score on its criterion's scale, texts that
are invisible-only count as empty (:class:`civicideas.text.VisibleCharField`).
The messages are the services' own, so the page reads the same whichever
layer refuses. The services check everything again: the API and the demo
call them without this form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from civicideas import inputs
from civicideas.errors import ServiceError
from civicideas.text import VisibleCharField, clean_text
from evaluation.models import Criterion, Scorecard
from evaluation.services import COMMENT_MAX, OVERALL_MAX

#: The widest whole number the page accepts before the scale check (four
#: digits, as before the form): anything longer is "not a whole number".
SCORE_BOUND = 9999


class ScoreField(forms.CharField):
    """One criterion's score: empty (None) or a whole number on its scale."""

    def __init__(self, *, criterion: Criterion, complete: bool, **kwargs: Any) -> None:
        self.criterion = criterion
        self.complete = complete
        super().__init__(required=False, strip=True, **kwargs)
        self.validators = []  # parse_int refuses NUL with the page's own message

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        name = self.criterion.name
        if not text:
            if self.complete:
                raise forms.ValidationError(
                    _("%(criterion)s: a score is required.") % {"criterion": name}
                )
            return None
        number = inputs.parse_int(text, minimum=-SCORE_BOUND, maximum=SCORE_BOUND)
        if number is None:
            raise forms.ValidationError(
                _("%(criterion)s: the score must be a whole number.") % {"criterion": name}
            )
        if not self.criterion.scale_min <= number <= self.criterion.scale_max:
            raise forms.ValidationError(
                _("%(criterion)s: the score must be between %(min)d and %(max)d.")
                % {
                    "criterion": name,
                    "min": self.criterion.scale_min,
                    "max": self.criterion.scale_max,
                }
            )
        return number


class TextField(VisibleCharField):
    """Optional text checked by the services' own rule (:func:`clean_text`),
    so a NUL byte or an over-long comment gets the same message here."""

    def __init__(self, *, label: str, max_length: int) -> None:
        self.text_max = max_length
        super().__init__(required=False, strip=False, label=label)
        self.validators = []  # clean_text refuses NUL with the services' message

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return clean_text(text, field=str(self.label), max_length=self.text_max, required=False)
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None


class ScorecardForm(forms.Form):
    """The scorecard POST of one rubric: ``score-<criterion id>``,
    ``comment-<criterion id>``, ``overall_comment`` and ``recommendation``.

    ``complete`` (a submit, not a draft) makes every score and the
    recommendation required. Fields of criteria not in ``criteria`` are
    ignored, so a forged field cannot reach another rubric.
    """

    def __init__(
        self, data: Any = None, *, criteria: Sequence[Criterion], complete: bool, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.criteria = list(criteria)
        self.complete = complete
        for criterion in self.criteria:
            self.fields[f"score-{criterion.pk}"] = ScoreField(
                criterion=criterion, complete=complete
            )
            self.fields[f"comment-{criterion.pk}"] = TextField(
                label=criterion.name, max_length=COMMENT_MAX
            )
        self.fields["overall_comment"] = TextField(
            label=_("Overall comment"), max_length=OVERALL_MAX
        )
        self.fields["recommendation"] = VisibleCharField(required=False)

    def clean_recommendation(self) -> str:
        value = self.cleaned_data.get("recommendation", "")
        if value and value not in Scorecard.Recommendation.values:
            raise forms.ValidationError(_("Choose a recommendation from the list."))
        if self.complete and not value:
            raise forms.ValidationError(_("Choose a recommendation."))
        return value

    def problems(self) -> list[str]:
        """Every error message in page order, for the one-line error the
        scorecard page shows (the services' "one message for all problems")."""
        return [str(message) for name in self.fields for message in self.errors.get(name, [])]

    def scores(self) -> dict[int, int | None]:
        return {c.pk: self.cleaned_data[f"score-{c.pk}"] for c in self.criteria}

    def comments(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data[f"comment-{c.pk}"] for c in self.criteria}
