"""Forms for run check-ins and readiness tests. Every answer is validated here, and again by
the service that saves it; out-of-range numbers and skipped questions are field errors."""

from __future__ import annotations

from typing import Any

from django import forms

from backstride.core.running_protocol.schema import ReadinessTest
from backstride.rehab.forms import YES_NO, optional_scale, radios, scale


def yes_no(label: str) -> forms.TypedChoiceField:
    field = radios(label, YES_NO)
    return forms.TypedChoiceField(
        label=field.label,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=field.widget,
        error_messages=field.error_messages,
    )


def stiffness_scale(label: str) -> forms.TypedChoiceField:
    """How stiff the back is, 0 to 10; may be left empty (then None)."""
    return optional_scale(label, "0 = not stiff", "10 = as stiff as it gets")


class RunCheckInForm(forms.Form):
    pain_during = scale("At its worst, how much did your back or leg hurt during the session?")
    pain_after = scale("How much does it hurt now, straight after?")
    pain_evening = optional_scale(
        "If it is evening already: how much does it hurt this evening?",
        help_text="Leave it for now if it is not evening yet: we ask again later.",
    )
    leg_new = yes_no("Any new leg symptoms (pain, pins and needles, numbness or weakness)?")
    leg_spreading = yes_no("Are leg symptoms spreading further down, below the knee?")
    stiffness = stiffness_scale("How stiff is your back?")


class MorningForm(forms.Form):
    pain_evening = optional_scale(
        "Yesterday evening, how much did it hurt?",
        help_text="Only if you did not answer it yesterday.",
    )
    pain = scale("How much does your back or leg hurt this morning?")
    stiffness = stiffness_scale("How stiff is your back this morning?")


class FortyEightHourForm(forms.Form):
    pain = scale("Two days on: how much does your back or leg hurt now?")


class ReadinessForm(forms.Form):
    """One value and a "did symptoms rise?" answer per readiness test; leave a test empty to
    record it another day."""

    def __init__(self, tests: tuple[ReadinessTest, ...], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tests = tests
        for test in tests:
            self.fields[test.id] = forms.FloatField(
                label=f"{test.name} ({test.unit})",
                required=False,
                min_value=0,
                max_value=10_000,
                help_text=f"{test.how} Passes at {test.at_least:g} {test.unit} or more.",
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )
            self.fields[f"{test.id}-rose"] = forms.TypedChoiceField(
                label=f"{test.name}: did your back or leg symptoms rise, during or by the next "
                "morning?",
                choices=[("", "—"), *YES_NO],
                coerce=lambda v: v == "yes",
                required=False,
                empty_value=None,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for test in self.tests:
            value, rose = data.get(test.id), data.get(f"{test.id}-rose")
            if value is not None and rose is None:
                self.add_error(f"{test.id}-rose", "Please say whether your symptoms rose.")
        if not self.results() and not self.errors:
            raise forms.ValidationError("Enter at least one test result.")
        return data

    def results(self) -> dict[str, tuple[float, bool]]:
        data = self.cleaned_data
        return {
            t.id: (float(data[t.id]), bool(data.get(f"{t.id}-rose")))
            for t in self.tests
            if data.get(t.id) is not None and data.get(f"{t.id}-rose") is not None
        }
