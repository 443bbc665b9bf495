"""Forms for the rehab journey. Every answer is validated here: out-of-range numbers, unknown
choices and skipped questions come back as field errors, never as a server error."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from backstride.core.protocol import Protocol
from backstride.core.triage import ANSWER_CHOICES

from .models import CheckIn

SCALE = [(i, str(i)) for i in range(11)]
REQUIRED = "Please answer this question."


class ScaleWidget(forms.RadioSelect):
    """0–10 as big buttons with labelled anchors."""

    template_name = "rehab/widgets/scale.html"
    option_template_name = "rehab/widgets/scale_option.html"

    def __init__(self, low: str = "0 = no pain", high: str = "10 = worst imaginable") -> None:
        super().__init__(choices=SCALE)
        self.low, self.high = low, high

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["low"], context["widget"]["high"] = self.low, self.high
        return context


class ChoiceRadios(forms.RadioSelect):
    template_name = "rehab/widgets/radios.html"


class Checkboxes(forms.CheckboxSelectMultiple):
    template_name = "rehab/widgets/radios.html"


def scale(
    label: str, low: str = "0 = no pain", high: str = "10 = worst imaginable", **kw: Any
) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE,
        coerce=int,
        widget=ScaleWidget(low, high),
        error_messages={
            "required": REQUIRED,
            "invalid_choice": "Choose a whole number from 0 to 10.",
        },
        **kw,
    )


def optional_scale(label: str, *anchors: str, **kw: Any) -> forms.TypedChoiceField:
    """:func:`scale` that may be left empty (then None): a question asked again later."""
    return scale(label, *anchors, required=False, empty_value=None, **kw)


def radios(label: str, choices: list[tuple[str, str]], **kw: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=ChoiceRadios,
        error_messages={"required": REQUIRED, "invalid_choice": "Choose one of the options."},
        **kw,
    )


def checkboxes(
    label: str, choices: list[tuple[str, str]], none_of_these: str, **kw: Any
) -> forms.MultipleChoiceField:
    """A tick-all-that-apply question; ``none_of_these`` names the option for "none"."""
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=Checkboxes,
        error_messages={
            "required": "Please tick at least one option. "
            f"If none of these apply, tick “{none_of_these}”.",
            "invalid_choice": "Choose from the options shown.",
        },
        **kw,
    )


def whole_number(label: str, max_value: int, help_text: str) -> forms.IntegerField:
    """A how-many (or how-old) question: a whole number from 0 to ``max_value``."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        help_text=help_text,
        error_messages={"required": REQUIRED},
    )


def free_text(label: str) -> forms.CharField:
    """An optional answer in the person's own words (up to 300 characters)."""
    return forms.CharField(
        label=label, required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


YES_NO = [("no", "No"), ("yes", "Yes")]


class ConsentForm(forms.Form):
    not_a_diagnosis = forms.BooleanField(
        label="I understand that Backstride gives education and structured exercise. It does not "
        "diagnose, and it does not replace a physiotherapist or doctor.",
        error_messages={"required": "Please confirm you have read this."},
    )
    health_data = forms.BooleanField(
        label="I agree that Backstride may store and use the health information I give (pain, "
        "symptoms, answers to safety questions, exercise and check-ins) to build and adjust my "
        "program, and to share it with a clinician only if I link one.",
        error_messages={"required": "We can only build a program with your agreement."},
    )


# --- Wizard steps --------------------------------------------------------------------------
MIN_AGE = 16
UNDER_AGE = (
    "Backstride is made for people aged 16 and over, so it can't build a program for you. "
    "Back pain in children and young people is less common and should be checked by a GP or a "
    "children's physiotherapist, who can give advice that fits your age."
)
PREGNANT = (
    "Backstride isn't made for back or pelvic pain during pregnancy: the body changes week by "
    "week and the exercises need to change with it. Your midwife, GP or a pelvic health "
    "physiotherapist can help, and in many areas you can refer yourself to one."
)


class HistoryForm(forms.Form):
    age = whole_number(
        "How old are you?", 120, "Some warning signs matter more from the age of 50, so we ask."
    )
    onset = radios(
        "How long have you had this episode of back pain?",
        [
            ("under_6_weeks", "Less than 6 weeks"),
            ("6_to_12_weeks", "6 to 12 weeks"),
            ("over_12_weeks", "More than 12 weeks"),
        ],
    )
    episodes = radios(
        "Have you had back pain like this before?",
        [("first", "No, this is the first time"), ("before", "Yes, it has happened before")],
    )
    after_fall = radios(
        "Did this back pain start after a fall or a knock, even a small one?",
        [("no", "No"), ("yes", "Yes"), ("unsure", "Not sure")],
        help_text=(
            "For example a slip, a trip, missing a step or bumping into something. Bones can "
            "get thinner as we get older, so even a small fall can matter."
        ),
    )
    back_surgery = radios("Have you ever had an operation on your back?", YES_NO)
    seen_clinician = radios("Have you seen a physiotherapist or doctor about this episode?", YES_NO)
    pregnant = radios("Are you pregnant?", YES_NO)

    def clean_age(self) -> int:
        age: int = self.cleaned_data["age"]
        if age < MIN_AGE:
            raise ValidationError(UNDER_AGE, code="under_age")
        return age

    def clean_pregnant(self) -> str:
        value: str = self.cleaned_data["pregnant"]
        if value == "yes":
            raise ValidationError(PREGNANT, code="pregnant")
        return value


class PainForm(forms.Form):
    pain_now = scale("Your back or leg pain right now")
    pain_avg_week = scale("Your average pain over the last 7 days")
    pain_worst = scale("Your worst pain in the last 7 days")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        avg, worst, now = data.get("pain_avg_week"), data.get("pain_worst"), data.get("pain_now")
        if avg is not None and worst is not None and worst < avg:
            self.add_error("pain_worst", "Your worst pain can't be lower than your average pain.")
        if now is not None and worst is not None and worst < now:
            self.add_error("pain_worst", "Your worst pain can't be lower than your pain right now.")
        return data


LEG_CHOICES = [
    ("none", "None: my symptoms stay in my back or buttocks"),
    ("below_knee", "Pain that goes below the knee"),
    ("pins_needles", "Pins and needles in a leg or foot"),
    ("numbness", "Numbness in a leg or foot"),
    ("weakness", "Weakness in a leg or foot"),
]


class LegsForm(forms.Form):
    leg_symptoms = checkboxes(
        "Do you have any of these in your legs? Tick all that apply.", LEG_CHOICES, "None"
    )

    def clean_leg_symptoms(self) -> list[str]:
        value: list[str] = self.cleaned_data["leg_symptoms"]
        if "none" in value and len(value) > 1:
            raise ValidationError("You ticked 'None' and a symptom. Please tick one or the other.")
        return value


AGGRAVATING = [
    ("sitting", "Sitting"),
    ("standing", "Standing still"),
    ("walking", "Walking"),
    ("bending", "Bending forward"),
    ("lifting", "Lifting"),
    ("running", "Running"),
    ("lying", "Lying down"),
    ("mornings", "Getting up in the morning"),
    ("coughing", "Coughing or sneezing"),
    ("nothing", "Nothing in particular"),
]
EASING = [
    ("moving", "Moving about"),
    ("walking", "Walking"),
    ("lying", "Lying down"),
    ("sitting", "Sitting"),
    ("changing", "Changing position"),
    ("heat", "Heat"),
    ("medicine", "Pain relief medicine"),
    ("nothing", "Nothing helps much"),
]


class ActivitiesForm(forms.Form):
    aggravating = checkboxes(
        "What makes your back worse? Tick all that apply.", AGGRAVATING, "Nothing in particular"
    )
    easing = checkboxes("What makes it better? Tick all that apply.", EASING, "Nothing helps much")
    other = free_text("Anything else that makes it better or worse?")

    def _exclusive(self, name: str) -> list[str]:
        value: list[str] = self.cleaned_data[name]
        if "nothing" in value and len(value) > 1:
            raise ValidationError("'Nothing' can't be ticked together with other options.")
        return value

    def clean_aggravating(self) -> list[str]:
        return self._exclusive("aggravating")

    def clean_easing(self) -> list[str]:
        return self._exclusive("easing")


PACE = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*$")


class RunningForm(forms.Form):
    last_run = radios(
        "When did you last run?",
        [
            ("this_month", "In the last month"),
            ("1_to_3_months", "1 to 3 months ago"),
            ("over_3_months", "More than 3 months ago"),
            ("never", "I haven't run before"),
        ],
    )
    running_years = whole_number(
        "How many years have you been running?", 80, "0 if you're new to running."
    )
    weekly_km = whole_number(
        "Before the back pain, how many kilometres did you usually run a week?",
        300,
        "0 if you didn't run.",
    )
    usual_pace = forms.CharField(
        label="Your usual easy pace, in minutes per kilometre",
        required=False,
        max_length=5,
        help_text="For example 6:30. Leave empty if you don't know.",
    )

    def clean_usual_pace(self) -> str:
        value: str = self.cleaned_data["usual_pace"].strip()
        if not value:
            return ""
        match = PACE.match(value)
        if not match:
            raise ValidationError("Write the pace as minutes:seconds, for example 6:30.")
        seconds = int(match.group(1)) * 60 + int(match.group(2))
        if not 150 <= seconds <= 15 * 60:
            raise ValidationError(
                "That pace looks unusual: use minutes per kilometre, 2:30 to 15:00."
            )
        return f"{int(match.group(1))}:{match.group(2)}"


class FitnessForm(forms.Form):
    """Walking tolerance (always asked) and, if the person has done them lately, the tests that
    decide a placement in a later phase, so the assessment can place someone in any phase."""

    def __init__(self, protocol: Protocol, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        wanted: list[str] = []
        for phase in protocol.phases:
            for criterion in phase.entry:
                ref = criterion.condition.test
                if criterion.condition.metric == "test" and ref and ref not in wanted:
                    wanted.append(ref)
        walk = "brisk_walk_min"
        for test_id in sorted(wanted, key=lambda t: (t != walk, wanted.index(t))):
            test = protocol.objective_tests[test_id]
            if test_id == walk:
                label = (
                    "How many minutes can you walk briskly before your pain rises above 3 out "
                    "of 10?"
                )
                help_text = "0 if walking makes it worse straight away. Your best guess is fine."
            else:
                label = f"{test.name} ({test.unit_label})"
                help_text = (
                    f"{test.instructions} Only if you have done it in the last week: "
                    "leave it empty to record it later on the tests page."
                )
            self.fields[test_id] = forms.FloatField(
                label=label,
                required=test_id == walk,
                min_value=test.min,
                max_value=test.max,
                help_text=help_text,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
                error_messages={"required": REQUIRED},
            )

    def answers(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.cleaned_data.items() if v is not None}


class GoalForm(forms.Form):
    goal = radios(
        "What's your running goal?",
        [
            ("run_pain_free", "Run again without back pain"),
            ("5k", "Run 5 km"),
            ("10k", "Run 10 km"),
            ("half_or_longer", "A half marathon or longer"),
            ("other", "Something else"),
        ],
    )
    detail = free_text("In your own words")


RED_FLAG_GROUP_TITLES = {
    "cauda_equina": "Bladder, bowel, the saddle area and both legs",
    "neurological": "Strength and feeling in your legs",
    "cancer": "Cancer, weight and night pain",
    "infection": "Infection and your immune system",
    "fracture": "Injuries and bone strength",
    "inflammatory": "Stiffness",
    "other": "How you feel in general",
}


#: The self-assessment's plain steps and their forms (fitness and red-flags need the protocol).
STEP_FORMS: dict[str, type[forms.Form]] = {
    "history": HistoryForm,
    "pain": PainForm,
    "legs": LegsForm,
    "activities": ActivitiesForm,
    "running": RunningForm,
    "goal": GoalForm,
}


class RedFlagForm(forms.Form):
    """One yes / no / not sure question per red flag in the screen; none may be skipped."""

    def groups(self) -> list[tuple[str, list[Any]]]:
        """Bound fields under plain-language headings, in the protocol's order."""
        out: list[tuple[str, list[Any]]] = []
        for flag in self.flags:
            title = RED_FLAG_GROUP_TITLES.get(flag.group, "Other questions")
            if not out or out[-1][0] != title:
                out.append((title, []))
            out[-1][1].append(self[flag.id])
        return out

    def __init__(self, protocol: Protocol, screen: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flags = protocol.red_flags_for(screen)
        for flag in self.flags:
            self.fields[flag.id] = forms.ChoiceField(
                label=flag.text_for(screen),
                choices=list(ANSWER_CHOICES),
                widget=ChoiceRadios(attrs={"class": "answer"}),
                help_text=flag.help,
                error_messages={
                    "required": "Please answer this question. We can't skip safety questions.",
                    "invalid_choice": "Choose No, Yes or Not sure.",
                },
            )


# --- Daily program -------------------------------------------------------------------------
class SessionDoneForm(forms.Form):
    session_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    done = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, exercise_ids: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["done"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(e, e) for e in exercise_ids]


class CheckInForm(forms.Form):
    pain_before = scale("Your pain just before the session")
    pain_during = scale("Your worst pain during the session")
    pain_now = scale("Your pain now, after the session")
    leg_symptoms = radios(
        "Leg symptoms (pain, pins and needles or numbness) compared with before the session",
        list(CheckIn.Leg.choices),
    )
    stiffness = scale("How stiff is your back?", "0 = not stiff", "10 = as stiff as it gets")
    effort = scale("How hard was the session?", "0 = no effort", "10 = maximal effort")


class MorningForm(forms.Form):
    pain_next_morning = scale("Your back or leg pain this morning, after yesterday's session")


class FortyEightForm(forms.Form):
    pain_48h = scale("Your back or leg pain now, two days after that session")


class ObjectiveTestsForm(forms.Form):
    def __init__(self, protocol: Protocol, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self.tests = list(protocol.objective_tests.values())
        for test in self.tests:
            self.fields[test.id] = forms.FloatField(
                label=f"{test.name} ({test.unit_label})",
                required=False,
                min_value=test.min,
                max_value=test.max,
                help_text=test.instructions,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and all(data.get(t.id) is None for t in self.tests):
            raise ValidationError("Enter at least one result.")
        return data

    def groups(self, up_to_phase: int) -> list[tuple[Any, list[Any]]]:
        """Bound fields grouped by the phase in which each test is worked on."""
        out = []
        for phase in self.protocol.phases:
            if phase.number <= up_to_phase:
                fields = [self[t.id] for t in self.tests if t.phase == phase.number]
                if fields:
                    out.append((phase, fields))
        return out

    def results(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.cleaned_data.items() if v is not None}


class OutcomeForm(forms.Form):
    """NPRS plus the Patient-Specific Functional Scale (up to 5 activities, each 0–10)."""

    nprs = scale("Your average back or leg pain over the last 7 days")

    def __init__(
        self, protocol: Protocol, activities: list[str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed = bool(activities)
        settings = protocol.outcomes.psfs
        self.min_items = settings.min_items
        count = len(activities) if activities else settings.max_items
        self.rows: list[tuple[str, str]] = []
        for i in range(count):
            name_field, rating_field = f"activity_{i}", f"rating_{i}"
            self.fields[name_field] = forms.CharField(
                label=f"Activity {i + 1}",
                max_length=120,
                required=False,
                initial=activities[i] if activities else "",
                disabled=self.fixed,
            )
            self.fields[rating_field] = scale(
                f"How well can you do activity {i + 1} today?",
                "0 = unable to do it",
                "10 = as well as before",
                required=False,
            )
            self.rows.append((name_field, rating_field))

    def row_fields(self) -> list[tuple[Any, Any]]:
        return [(self[name], self[rating]) for name, rating in self.rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items = []
        for name_field, rating_field in self.rows:
            name = (data.get(name_field) or "").strip()
            rating = data.get(rating_field)
            if name and rating in (None, ""):
                self.add_error(rating_field, "Rate this activity from 0 to 10.")
            elif rating not in (None, "") and not name:
                self.add_error(name_field, "Name the activity you are rating.")
            elif name:
                items.append((name, int(str(rating))))
        if not self.errors and len(items) < self.min_items:
            raise ValidationError(
                "Name at least one activity that your back makes hard, and rate it."
            )
        if self.fixed and len(items) != len(self.rows):
            raise ValidationError("Please rate every activity, so the scores can be compared.")
        data["items"] = items
        return data


class ClearanceForm(forms.Form):
    reason = forms.CharField(
        label="Why is it safe for this person to resume? (recorded with your name and the time)",
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirm = forms.BooleanField(
        label="I have assessed this person and the red flag above has been addressed.",
        error_messages={"required": "Please confirm you have assessed this person."},
    )
