"""The client record: the timeline with its reasons, private notes, tailoring the protocol
copy (and the athlete seeing it), and clearing a red-flag pause."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.accounts.models import AuditEvent
from backstride.clinic.forms import field_name
from backstride.clinic.models import ClinicianNote, TailoringChange
from backstride.clinic.services import fingerprint
from backstride.rehab.models import PhaseChange, RedFlagClearance, RehabProfile
from backstride.rehab.records import protocol_for

from .conftest import checkin, client_of, pause, place, run, score, sessions

pytestmark = pytest.mark.django_db


def record_url(user: Any) -> str:
    return reverse("clinic:client", args=[user.pk])


def test_the_timeline_tells_what_happened_and_why(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete, phase=2)
    PhaseChange.objects.create(
        user=athlete,
        action=PhaseChange.Action.PROGRESS,
        from_phase=1,
        to_phase=2,
        reasons=[{"rule_id": "p1-exit", "text": "Calm for a week: pain 2/10 or less", "met": True}],
        protocol_id="default",
        protocol_version="1",
    )
    sessions(athlete, range(0, 3))
    checkin(athlete, 1, pain=7)
    run(athlete, 2, pain_during=3, pain_after=2, leg_new=True)
    score(athlete, "nprs", 3, 4)
    html = client_for(clinician).get(record_url(athlete)).content.decode()
    assert "Moved up: Phase 1 → Phase 2" in html
    assert "Calm for a week: pain 2/10 or less" in html  # the phase change's why
    assert "Rehab check-in: Red" in html
    assert "Run check-in: Red" in html and "new or spreading leg symptoms" in html
    assert "Walk–run" in html and "Pain rating (NPRS): 4" in html
    assert "Settle A: breathe, loosen, walk" in html
    only_runs = client_for(clinician).get(record_url(athlete), {"kind": "run_checkin"})
    text = only_runs.content.decode()
    assert "Run check-in: Red" in text and "Rehab check-in: Red" not in text


def test_notes_are_private_to_clinicians_and_editable_by_their_author(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    from tests.conftest import make_user

    colleague = make_user("pat@clinic.example", role="clinician", display_name="Pat")
    from django.utils import timezone

    from backstride.accounts.models import CareLink

    CareLink.objects.create(clinician=colleague, athlete=athlete, consented_at=timezone.now())
    c = client_for(clinician)
    response = c.post(reverse("clinic:note_add", args=[athlete.pk]), {"text": "Sore after hills."})
    assert response.status_code == 302
    note = ClinicianNote.objects.get()
    assert note.author == clinician and note.athlete == athlete
    assert AuditEvent.objects.filter(
        actor=clinician, action="change", what="clinician note"
    ).exists()
    # the colleague reads it but cannot edit it
    other = client_for(colleague)
    assert "Sore after hills." in other.get(record_url(athlete)).content.decode()
    edit = reverse("clinic:note_edit", args=[athlete.pk, note.pk])
    assert other.get(edit).status_code == 404
    assert other.post(edit, {"text": "changed"}).status_code == 404
    # the author edits it
    assert c.post(edit, {"text": "Sore after hills; better now."}).status_code == 302
    note.refresh_from_db()
    assert note.text == "Sore after hills; better now."
    # the athlete never sees notes: not on their pages, not on the clinic pages
    me = client_for(athlete)
    assert me.get(record_url(athlete)).status_code == 404
    assert "Sore after hills" not in me.get(reverse("web:dashboard")).content.decode()
    # an empty note is refused with a message, nothing saved
    empty = c.post(reverse("clinic:note_add", args=[athlete.pk]), {"text": "   "})
    assert empty.status_code == 400 and "Please write the note." in empty.content.decode()
    assert ClinicianNote.objects.count() == 1
    # the author deletes it
    assert c.post(edit, {"delete": "1"}).status_code == 302
    assert not ClinicianNote.objects.exists()


def _tailor_post(form_html_client: Any, athlete: Any, **changes: Any) -> Any:
    """Post the tailoring form as shown, with ``changes`` (field name → value) on top."""
    from backstride.clinic.services import tailoring_form

    shown = tailoring_form(athlete)
    data: dict[str, Any] = {field_name(s.key): f"{s.value:g}" for s in shown.settings}
    data.update({s.key: "on" for s in shown.switches if s.on})
    data["based_on"] = shown.fingerprint
    data["reason"] = "Pain settles slowly after runs; keep a lower green limit."
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return form_html_client.post(reverse("clinic:tailor", args=[athlete.pk]), data)


def test_tailoring_saves_a_copy_records_the_diff_and_tells_the_athlete(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete)
    c = client_for(clinician)
    assert "Tailor Alice" in c.get(reverse("clinic:tailor", args=[athlete.pk])).content.decode()
    response = _tailor_post(
        c,
        athlete,
        **{
            field_name("treat.colours.green_max_pain"): "2",
            "exercise-1-cat_camel": None,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    change = TailoringChange.objects.get()
    assert change.clinician == clinician
    assert [(d["key"], d["before"], d["after"]) for d in change.diff] == [
        ("treat.colours.green_max_pain", "3/10", "2/10"),
        ("exercise-1-cat_camel", "in the sessions", "taken out"),
    ]
    protocol = protocol_for(athlete)
    assert protocol.running is not None and protocol.running.treat.colours.green_max_pain == 2
    assert all("cat_camel" not in s.exercises for s in protocol.phase(1).sessions)
    assert AuditEvent.objects.filter(
        actor=clinician, action="change", what="tailored protocol"
    ).exists()
    # the athlete sees what changed and why on their Today page, until they dismiss it
    me = client_for(athlete)
    today = me.get(reverse("web:dashboard")).content.decode()
    assert "Your clinician changed your plan" in today
    assert "Pain settles slowly after runs" in today and "3/10 → <strong>2/10</strong>" in today
    me.post(reverse("clinic:my_changes_seen"), {"next": "https://evil.example/"})
    assert (
        "Your clinician changed your plan" not in me.get(reverse("web:dashboard")).content.decode()
    )
    assert "Pain settles slowly" in me.get(reverse("clinic:my_changes")).content.decode()


def test_invalid_tailoring_names_the_field_and_saves_nothing(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete)
    c = client_for(clinician)
    green = field_name("treat.colours.green_max_pain")
    response = _tailor_post(c, athlete, **{green: "12", "reason": "short"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "12.0 is above the maximum 10" in html or "12 is above the maximum 10" in html
    assert "Please say why, in a sentence." in html
    assert not TailoringChange.objects.exists()
    assert RehabProfile.objects.get(user=athlete).protocol_text == ""
    # nothing changed at all
    same = _tailor_post(c, athlete)
    assert same.status_code == 400 and "Nothing was changed" in same.content.decode()


def test_a_stale_tailoring_form_does_not_overwrite_a_newer_change(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete)
    c = client_for(clinician)
    assert (
        _tailor_post(c, athlete, **{field_name("treat.colours.green_max_pain"): "2"}).status_code
        == 302
    )
    stale = _tailor_post(
        c,
        athlete,
        based_on=fingerprint("not what is saved"),
        **{field_name("treat.colours.amber_max_pain"): "4"},
    )
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()
    assert TailoringChange.objects.count() == 1


def test_clearing_a_pause_needs_a_reason_and_is_recorded(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete)
    screen = pause(athlete)
    c = client_for(clinician)
    assert "Clear the pause" in c.get(record_url(athlete)).content.decode()
    url = reverse("clinic:clear", args=[athlete.pk])
    short = c.post(url, {"reason": "ok", "screen": screen.pk})
    assert short.status_code == 400 and "reason for clearing" in short.content.decode()
    assert not RedFlagClearance.objects.exists()
    done = c.post(
        url,
        {"reason": "Examined today: no neurological signs, safe to go on.", "screen": screen.pk},
    )
    assert done.status_code == 302
    clearance = RedFlagClearance.objects.get(screen=screen)
    assert clearance.clinician == clinician and "no neurological signs" in clearance.reason
    assert RehabProfile.objects.get(user=athlete).paused is False
    assert AuditEvent.objects.filter(
        actor=clinician, action="change", what="red-flag pause"
    ).exists()
    timeline = c.get(record_url(athlete)).content.decode()
    assert "Red-flag pause cleared" in timeline and "no neurological signs" in timeline
    again = c.post(url, {"reason": "Examined today: no neurological signs, safe to go on."})
    assert again.status_code == 302 and RedFlagClearance.objects.count() == 1


def test_the_record_shows_the_same_reasons_as_the_caseload(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete)
    sessions(athlete, range(0, 30))
    checkin(athlete, 0, pain=9)
    html = client_for(clinician).get(record_url(athlete)).content.decode()
    assert "1 red rehab check-in in the last 7 days" in html


def test_another_clinicians_client_is_404(
    other_clinician: Any, athlete: Any, client_for: Any
) -> None:
    client_of(other_clinician, "zoe@example.org", "Zoe")
    assert client_for(other_clinician).get(record_url(athlete)).status_code == 404


def test_a_runners_record_shows_the_changes_tried_on_the_ladder(
    clinician: Any, athlete: Any, client_for: Any
) -> None:
    place(athlete, phase=3, days_ago=20)
    from django.utils import timezone

    from backstride.running.pages import changes_tested

    for days_ago in (12, 9, 6, 3):
        run(
            athlete,
            days_ago,
            pain_during=1,
            pain_after=1,
            pain_evening=0,
            pain_next_morning=0,  # back to her usual (no NPRS recorded: 0) by the morning
            next_morning_at=timezone.now(),
        )
    response = client_for(clinician).get(record_url(athlete), {"kind": "plan"})
    assert response.status_code == 200
    html = response.content.decode()
    tried = changes_tested(athlete)
    assert html.count("Tried:") == len(tried)
    for t in tried:
        assert t.outcome in html
    runs = client_for(clinician).get(record_url(athlete), {"kind": "run_checkin"}).content.decode()
    assert runs.count("Run check-in: Green") == 4
