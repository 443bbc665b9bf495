"""The clinician's changes to a client's record: notes, tailoring, clearing a pause.

Each function runs in one transaction and raises :class:`Invalid` (with messages by field)
when the input is wrong, leaving nothing half-written. The caller has already checked, with
``accounts.permissions.viewable_athlete``, that the clinician shares care of this client; each
change is written to the client's access log here, with the request it came from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from backstride.accounts import audit
from backstride.accounts.models import User
from backstride.core import tailoring
from backstride.core.protocol import default_protocol
from backstride.core.protocol.model import DEFAULT_PROTOCOL_PATH
from backstride.rehab.models import RedFlagClearance, RedFlagScreen, RehabProfile
from backstride.rehab.records import stopping_screen
from backstride.rehab.services import clear_red_flag, set_tailored_protocol

from .models import ClinicianNote, TailoringChange

NOTE_MAX = 5000
REASON_MIN = 10
REASON_MAX = 2000


class Invalid(ValueError):
    """Input that cannot be saved: ``errors`` maps each field ("__all__" for the whole) to
    messages a person understands."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {k: list(v) for k, v in errors.items()}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))


def _text(value: str, field: str, *, minimum: int, maximum: int, what: str) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise Invalid({field: [f"Please write {what}."]})
    if len(value) > maximum:
        raise Invalid({field: [f"Please keep it under {maximum:,} characters."]})
    return value


# --- Notes -----------------------------------------------------------------------------------
def visible_notes(athlete: User) -> list[ClinicianNote]:
    """Notes about the client by any clinician (only clinicians who share care see them)."""
    return list(ClinicianNote.objects.filter(athlete=athlete).select_related("author"))


def add_note(request: HttpRequest, athlete: User, text: str) -> ClinicianNote:
    author = _clinician(request)
    body = _text(text, "text", minimum=1, maximum=NOTE_MAX, what="the note")
    with transaction.atomic():
        note = ClinicianNote.objects.create(athlete=athlete, author=author, text=body)
        audit.changed(author, athlete, "clinician note", request)
    return note


def own_note(request: HttpRequest, athlete: User, note_id: int) -> ClinicianNote | None:
    """The note if the signed-in clinician wrote it about this client, else None."""
    author = _clinician(request)
    return ClinicianNote.objects.filter(pk=note_id, athlete=athlete, author=author).first()


def edit_note(request: HttpRequest, note: ClinicianNote, text: str) -> ClinicianNote:
    body = _text(text, "text", minimum=1, maximum=NOTE_MAX, what="the note")
    with transaction.atomic():
        note.text = body
        note.updated_at = timezone.now()
        note.save(update_fields=["text", "updated_at"])
        audit.changed(request.user, note.athlete, "clinician note", request)
    return note


def delete_note(request: HttpRequest, note: ClinicianNote) -> None:
    with transaction.atomic():
        athlete = note.athlete
        note.delete()
        audit.changed(request.user, athlete, "clinician note", request)


def _clinician(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User) and user.is_clinician
    return user


# --- Tailoring -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TailoringForm:
    """What the tailoring form shows: the copy's settings and switches, and a fingerprint of
    the copy, so a change saved meanwhile by someone else is not overwritten unseen."""

    settings: list[tailoring.Setting]
    switches: list[tailoring.Switch]
    fingerprint: str
    tailored: bool


def _default_text() -> str:
    return DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def current_copy(athlete: User) -> tuple[str, bool]:
    """The client's protocol text (their tailored copy, else the shipped file) and whether
    it is a tailored copy."""
    text = (
        RehabProfile.objects.filter(user=athlete).values_list("protocol_text", flat=True).first()
        or ""
    )
    return (text, True) if text.strip() else (_default_text(), False)


def tailoring_form(athlete: User) -> TailoringForm:
    text, tailored = current_copy(athlete)
    settings, switches = tailoring.options(text, _default_text(), default_protocol())
    return TailoringForm(settings, switches, fingerprint(text), tailored)


def tailor(
    request: HttpRequest,
    athlete: User,
    *,
    values: Mapping[str, float],
    exercises_on: Iterable[str] | None,
    reason: str,
    based_on: str = "",
) -> TailoringChange:
    """Save a tailored copy with the new ``values`` and exercises, and record who changed
    what and why. ``exercises_on`` None keeps every exercise as it is; ``based_on`` is the
    fingerprint the form was shown with (empty: do not check)."""
    clinician = _clinician(request)
    errors: dict[str, list[str]] = {}
    try:
        why = _text(
            reason, "reason", minimum=REASON_MIN, maximum=REASON_MAX, what="why in a sentence"
        )
    except Invalid as exc:
        errors.update(exc.errors)
        why = ""
    with transaction.atomic():
        RehabProfile.objects.get_or_create(user=athlete)
        profile = RehabProfile.objects.select_for_update().get(user=athlete)
        text = profile.protocol_text if profile.protocol_text.strip() else _default_text()
        if based_on and based_on != fingerprint(text):
            raise Invalid(
                {
                    tailoring.NON_FIELD: [
                        "This client's protocol was changed by someone else since you opened "
                        "the form. Please reload it and make your change again."
                    ]
                }
            )
        if exercises_on is None:
            _, switches = tailoring.options(text, _default_text(), default_protocol())
            exercises_on = [s.key for s in switches if s.on]
        result = tailoring.tailor(text, _default_text(), default_protocol(), values, exercises_on)
        for key, messages in result.errors.items():
            errors.setdefault(key, []).extend(messages)
        if not result.changes and not errors:
            errors[tailoring.NON_FIELD] = ["Nothing was changed: every value is as it was."]
        if errors:
            raise Invalid(errors)
        protocol = set_tailored_protocol(athlete, result.text)
        change = TailoringChange.objects.create(
            athlete=athlete,
            clinician=clinician,
            clinician_name=audit.actor_label(clinician),
            reason=why,
            diff=[c.as_dict() for c in result.changes],
            protocol_id=protocol.id,
            protocol_version=protocol.version,
        )
        audit.changed(clinician, athlete, "tailored protocol", request)
    return change


def changes_for(athlete: User, limit: int = 50) -> list[TailoringChange]:
    return list(TailoringChange.objects.filter(athlete=athlete)[:limit])


def unseen_changes(athlete: User) -> list[TailoringChange]:
    """Tailoring changes the athlete has not dismissed yet (their notice), newest first."""
    return list(TailoringChange.objects.filter(athlete=athlete, seen_at__isnull=True)[:5])


def mark_seen(athlete: User) -> int:
    return TailoringChange.objects.filter(athlete=athlete, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )


# --- Clearing a red-flag pause ---------------------------------------------------------------
def pausing_screen(athlete: User) -> RedFlagScreen | None:
    """The screen that pauses the client's program now (not yet cleared), if any."""
    return stopping_screen(athlete)


def clear_pause(
    request: HttpRequest, athlete: User, reason: str, screen_id: int | None = None
) -> RedFlagClearance:
    """Clear the red-flag pause with a written reason; the program resumes if nothing else
    stops it. ``screen_id`` names the screen the clinician saw (None: the current one)."""
    clinician = _clinician(request)
    why = _text(
        reason,
        "reason",
        minimum=REASON_MIN,
        maximum=REASON_MAX,
        what="the reason for clearing in a sentence",
    )
    with transaction.atomic():
        screen = stopping_screen(athlete)
        if screen is None or (screen_id is not None and screen.pk != screen_id):
            raise LookupError("There is no red-flag pause to clear.")
        try:
            clearance = clear_red_flag(screen, clinician, why, request)
        except IntegrityError:  # cleared by someone else a moment ago
            raise LookupError("This red-flag pause has already been cleared.") from None
        except ValueError as exc:
            raise Invalid({"reason": [str(exc)]}) from None
    return clearance
