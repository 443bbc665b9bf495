"""Forms of the clinician workspace. The tailoring form is built from the client's copy:
one number field per setting, one checkbox per exercise, and the reason for the change."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from backstride.core import tailoring

from .services import NOTE_MAX, REASON_MAX, REASON_MIN, TailoringForm


class NoteForm(forms.Form):
    text = forms.CharField(
        label="New note",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Private: only clinicians who care for this client see it, never the client.",
        error_messages={"required": "Please write the note."},
    )


def reason_field(label: str, help_text: str, ask: str) -> forms.CharField:
    """A clinician's recorded reason, REASON_MIN to REASON_MAX characters; ``ask`` is said
    when it is missing or too short."""
    return forms.CharField(
        label=label,
        min_length=REASON_MIN,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
        error_messages={"required": ask, "min_length": ask},
    )


class ClearForm(forms.Form):
    reason = reason_field(
        "Why the program can resume",
        "What you assessed and decided. Recorded with your name and the time.",
        "Please give the reason for clearing in a sentence.",
    )


def field_name(key: str) -> str:
    """A form-safe name for a setting key ("treat.colours.green_max_pain" → "s_treat_…")."""
    return "s_" + re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")


class TailorForm(forms.Form):
    """The settings and exercises of one client's protocol copy, and why they change."""

    reason = reason_field(
        "Why you are making this change",
        "The client sees this reason next to what changed.",
        "Please say why, in a sentence.",
    )
    based_on = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, shown: TailoringForm, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = shown
        self.keys: dict[str, str] = {}  # form field name -> setting or switch key
        self.initial.setdefault("based_on", shown.fingerprint)
        for s in shown.settings:
            name = field_name(s.key)
            self.keys[name] = s.key
            default = "" if s.default is None else f"{s.default:g}"
            self.fields[name] = forms.FloatField(
                label=f"{s.label} ({s.unit.strip('/') if s.unit != '/10' else 'out of 10'})",
                help_text=f"Default: {default}{s.unit if s.unit == '/10' else ' ' + s.unit}",
                initial=s.value if not s.whole else int(s.value),
                error_messages={
                    "required": "Please give a number.",
                    "invalid": "Please give a number.",
                },
            )
        for sw in shown.switches:
            self.keys[sw.key] = sw.key
            self.fields[sw.key] = forms.BooleanField(label=sw.name, required=False, initial=sw.on)

    def setting_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The number fields grouped as the form shows them."""
        groups: dict[str, list[forms.BoundField]] = {}
        for s in self.shown.settings:
            groups.setdefault(s.group, []).append(self[field_name(s.key)])
        return list(groups.items())

    def switch_fields(self) -> list[tuple[int, list[forms.BoundField]]]:
        phases: dict[int, list[forms.BoundField]] = {}
        for sw in self.shown.switches:
            phases.setdefault(sw.phase, []).append(self[sw.key])
        return sorted(phases.items())

    def values(self) -> dict[str, float]:
        return {
            self.keys[name]: self.cleaned_data[name]
            for name in self.keys
            if name.startswith("s_") and self.cleaned_data.get(name) is not None
        }

    def exercises_on(self) -> list[str]:
        return [sw.key for sw in self.shown.switches if self.cleaned_data.get(sw.key)]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the validator's problems under the fields they belong to."""
        names = {key: name for name, key in self.keys.items()}
        for key, messages in errors.items():
            target = None if key == tailoring.NON_FIELD else names.get(key, key)
            if target is not None and target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)
