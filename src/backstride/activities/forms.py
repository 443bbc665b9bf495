"""Forms: log an activity by hand, edit one, upload files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from .models import Activity, Sport

MAX_DISTANCE_KM = Decimal(300)
MAX_DURATION_S = 24 * 3600
# Faster than this on foot is almost certainly a typo (a world-class 5 km is ~23 km/h).
MAX_FOOT_SPEED_KMH = 25.0
FOOT_SPORTS = {Sport.RUN, Sport.WALK_RUN, Sport.WALK}

DURATION_HELP = (
    "Hours:minutes:seconds, minutes:seconds, or just minutes — e.g. 1:05:00, 32:30 or 45."
)


def parse_duration(text: str) -> int:
    """ "45" → 45 min, "32:30" → 32 min 30 s, "1:05:00" → 1 h 5 min. Raises ValueError."""
    text = text.strip()
    parts = text.split(":")
    if not text or len(parts) > 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    numbers = [int(p) for p in parts]
    if len(numbers) == 1:
        return numbers[0] * 60
    if len(numbers) == 2:
        minutes, seconds = numbers
        if seconds >= 60:
            raise ValueError(text)
        return minutes * 60 + seconds
    hours, minutes, seconds = numbers
    if minutes >= 60 or seconds >= 60:
        raise ValueError(text)
    return hours * 3600 + minutes * 60 + seconds


def format_duration_input(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


EFFORT_CHOICES = [(i, str(i)) for i in range(1, 11)]


def _optional_range_field(
    label: str, noun: str, low: int, high: int, unit: str
) -> forms.IntegerField:
    """An optional whole number in [low, high]; one message for either bound."""
    message = f"{noun} must be between {low} and {high} {unit}."
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        error_messages={"min_value": message, "max_value": message},
    )


class EffortField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=EFFORT_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            label="How hard did it feel?",
            help_text="1 very easy … 10 as hard as you can go.",
            error_messages={"invalid_choice": "Choose an effort from 1 to 10."},
            **kwargs,
        )


class ManualActivityForm(forms.Form):
    """Log a session by hand: a treadmill run, a cross-trainer session, a walk…"""

    sport = forms.ChoiceField(label="Type", choices=Sport.choices, initial=Sport.RUN)
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, e.g. 2025-03-14."},
    )
    start_time = forms.TimeField(
        label="Start time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time, e.g. 07:30."},
    )
    distance_km = forms.DecimalField(
        label="Distance (km)",
        min_value=Decimal(0),
        max_value=MAX_DISTANCE_KM,
        max_digits=6,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="0 is fine for a cross-trainer session.",
        error_messages={
            "min_value": "Distance can't be negative.",
            "max_value": "Distance must be 300 km or less.",
            "invalid": "Enter the distance in kilometres, e.g. 5 or 4.25.",
            "max_decimal_places": "Use at most 3 decimal places (metres).",
        },
    )
    duration = forms.CharField(
        label="Duration",
        max_length=12,
        help_text=DURATION_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    perceived_effort = EffortField()
    avg_hr = _optional_range_field("Average heart rate (bpm)", "Heart rate", 30, 230, "bpm")
    max_hr = _optional_range_field("Maximum heart rate (bpm)", "Heart rate", 30, 230, "bpm")
    avg_cadence = _optional_range_field(
        "Cadence (steps per minute)", "Cadence", 20, 260, "steps per minute"
    )
    elevation_gain_m = forms.IntegerField(
        label="Climb (m)",
        required=False,
        min_value=0,
        max_value=10000,
        error_messages={
            "min_value": "Climb can't be negative.",
            "max_value": "Climb must be 10,000 m or less.",
        },
    )
    title = forms.CharField(label="Title", max_length=120, required=False)
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How did your back feel? Anything you changed?",
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        self.zone = zone
        super().__init__(*args, **kwargs)
        self.fields["start_time"].help_text = f"Your time zone: {zone.key}."
        if not self.is_bound and "date" not in self.initial:
            now = timezone.now().astimezone(zone)
            self.initial.setdefault("date", now.date())
            self.initial.setdefault("start_time", now.time().replace(second=0, microsecond=0))

    @classmethod
    def initial_from(cls, activity: Activity) -> dict[str, Any]:
        local = activity.local_start
        return {
            "sport": activity.sport,
            "date": local.date(),
            "start_time": local.time().replace(microsecond=0),
            "distance_km": Decimal(f"{activity.distance_m / 1000:.3f}").normalize(),
            "duration": format_duration_input(activity.elapsed_s),
            "perceived_effort": activity.perceived_effort,
            "avg_hr": round(activity.avg_hr) if activity.avg_hr is not None else None,
            "max_hr": round(activity.max_hr) if activity.max_hr is not None else None,
            "avg_cadence": round(activity.avg_cadence) if activity.avg_cadence else None,
            "elevation_gain_m": (
                round(activity.elevation_gain_m) if activity.elevation_gain_m is not None else None
            ),
            "title": activity.title,
            "notes": activity.notes,
        }

    def clean_duration(self) -> int:
        text = self.cleaned_data["duration"]
        try:
            seconds = parse_duration(text)
        except ValueError:
            raise ValidationError(
                "Enter the duration as h:mm:ss, mm:ss or minutes, e.g. 1:05:00, 32:30 or 45.",
                code="invalid",
            ) from None
        if seconds <= 0:
            raise ValidationError("The duration must be more than zero.", code="zero")
        if seconds > MAX_DURATION_S:
            raise ValidationError(
                "That's more than 24 hours — check the duration.", code="too_long"
            )
        return seconds

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        today = timezone.now().astimezone(self.zone).date()
        if value > today:
            raise ValidationError(
                "That date is in the future. Log an activity once you've done it.", code="future"
            )
        if value < dt.date(1990, 1, 1):
            raise ValidationError("That date is too far in the past.", code="past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, at = data.get("date"), data.get("start_time")
        if isinstance(day, dt.date) and isinstance(at, dt.time):
            start = dt.datetime.combine(day, at.replace(microsecond=0), tzinfo=self.zone)
            if start > timezone.now() + dt.timedelta(minutes=5):
                self.add_error(
                    "start_time",
                    ValidationError(
                        "That start time is in the future. Log an activity once you've done it.",
                        code="future",
                    ),
                )
            data["start"] = start
        avg_hr, max_hr = data.get("avg_hr"), data.get("max_hr")
        if avg_hr is not None and max_hr is not None and max_hr < avg_hr:
            self.add_error(
                "max_hr",
                ValidationError(
                    "Maximum heart rate can't be lower than the average.", code="hr_order"
                ),
            )
        distance, seconds, sport = data.get("distance_km"), data.get("duration"), data.get("sport")
        if distance is not None and seconds and sport in FOOT_SPORTS:
            speed = float(distance) / (seconds / 3600)
            if speed > MAX_FOOT_SPEED_KMH:
                self.add_error(
                    None,
                    ValidationError(
                        f"{distance} km in {format_duration_input(seconds)} would be "
                        f"{speed:.0f} km/h — please check the distance and the duration.",
                        code="too_fast",
                    ),
                )
        return data

    def activity_fields(self) -> dict[str, Any]:
        """Cleaned data as ``Activity`` field values."""
        d = self.cleaned_data
        seconds = float(d["duration"])
        return {
            "sport": d["sport"],
            "title": d["title"].strip(),
            "start": d["start"].astimezone(ZoneInfo("UTC")),
            "timezone": self.zone.key,
            "distance_m": float(d["distance_km"]) * 1000.0,
            "elapsed_s": seconds,
            "moving_s": seconds,
            "perceived_effort": d["perceived_effort"],
            "avg_hr": float(d["avg_hr"]) if d["avg_hr"] is not None else None,
            "max_hr": float(d["max_hr"]) if d["max_hr"] is not None else None,
            "avg_cadence": float(d["avg_cadence"]) if d["avg_cadence"] is not None else None,
            "elevation_gain_m": (
                float(d["elevation_gain_m"]) if d["elevation_gain_m"] is not None else None
            ),
            "notes": d["notes"].strip(),
        }


class ImportedActivityForm(forms.ModelForm):
    """For an imported file the measured numbers come from the file; the rest is editable."""

    perceived_effort = EffortField()

    class Meta:
        model = Activity
        fields = ["sport", "title", "perceived_effort", "notes"]
        labels = {"sport": "Type"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"notes": "How did your back feel? Anything you changed?"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        """The files as sent. Empty or odd files are not refused here: each one gets its
        own result on the import page, so one bad file never blocks the others."""
        files = list(data) if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        for f in files:
            if not hasattr(f, "read") or not getattr(f, "name", None):
                raise ValidationError("Something other than a file was sent.", code="invalid")
        return files


class UploadForm(forms.Form):
    upload = MultipleFileField(
        label="Activity files or an export archive",
        help_text="GPX, TCX or FIT files (also .gz), or a .zip export from your watch or app.",
        error_messages={"required": "Choose at least one file to upload."},
    )

    def __init__(self, *args: Any, max_files: int, **kwargs: Any) -> None:
        self.max_files = max_files
        super().__init__(*args, **kwargs)
        self.fields["upload"].widget.attrs["accept"] = ".gpx,.tcx,.fit,.gz,.zip"

    def clean_upload(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["upload"]
        if not files:
            raise ValidationError("Choose at least one file to upload.", code="required")
        if len(files) > self.max_files:
            raise ValidationError(
                f"Upload at most {self.max_files} files at once — or put them in one .zip archive.",
                code="too_many",
            )
        return files
