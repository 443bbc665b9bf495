"""The upload form: the clip and what the runner can tell us about it."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import FormCheck
from .services import HEIGHT_RANGE_CM, SLOWMO_CHOICES, CheckOptions

LOW, HIGH = (int(v) for v in HEIGHT_RANGE_CM)
HEIGHT_MESSAGE = f"Give your height in centimetres, between {LOW} and {HIGH}, or leave it empty."


class UploadForm(forms.Form):
    video = forms.FileField(
        label="Your video",
        help_text="5–30 seconds of steady running, filmed on a phone held still at hip height.",
        error_messages={
            "required": "Choose a video to upload.",
            "empty": "The file is empty. Choose the video again.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
    )
    view = forms.ChoiceField(
        label="Where was the camera?",
        choices=FormCheck.View.choices,
        initial=FormCheck.View.SIDE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the camera was."},
    )
    slowmo = forms.TypedChoiceField(
        label="Is this slow motion?",
        choices=[(str(f), words) for f, words in SLOWMO_CHOICES],
        coerce=int,
        initial="1",
        widget=forms.RadioSelect,
        help_text=(
            "Only used when the video file does not say itself. Phones film slow motion at "
            "120 or 240 frames a second and play it back at 30."
        ),
        error_messages={"required": "Say whether the clip is slow motion."},
    )
    height_cm = forms.IntegerField(
        label="Your height in cm",
        required=False,
        min_value=LOW,
        max_value=HIGH,
        help_text="Lets us give your bounce in centimetres.",
        error_messages={"min_value": HEIGHT_MESSAGE, "max_value": HEIGHT_MESSAGE},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    keep_video = forms.BooleanField(
        label="Keep my video on the server (otherwise it is deleted once analysed)",
        required=False,
    )

    def options(self) -> CheckOptions:
        data: dict[str, Any] = self.cleaned_data
        height = data.get("height_cm")
        return CheckOptions(
            view=data["view"],
            slowmo_factor=float(data["slowmo"]),
            runner_height_cm=float(height) if height is not None else None,
            keep_video=bool(data.get("keep_video")),
        )
