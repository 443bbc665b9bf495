"""The pure invitation rules: an invitation's state, who may accept it, who may send one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backstride.core import invitations as rules
from backstride.core.invitations import Direction, Refusal, Status

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=14)


def state(**changes: object) -> Status:
    values: dict = {"expires_at": LATER, "accepted_at": None, "cancelled_at": None, "now": NOW}
    values.update(changes)
    return rules.status_of(**values)


def test_an_open_invitation_is_pending_until_the_moment_it_expires():
    assert state() is Status.PENDING
    assert state(now=LATER - timedelta(seconds=1)) is Status.PENDING
    assert state(now=LATER) is Status.EXPIRED


def test_accepted_and_cancelled_are_final_even_after_expiry():
    assert state(accepted_at=NOW, now=LATER + timedelta(days=1)) is Status.ACCEPTED
    assert state(cancelled_at=NOW, now=LATER + timedelta(days=1)) is Status.CANCELLED


def accept(**changes: object) -> Refusal | None:
    values: dict = {
        "direction": Direction.CLIENT,
        "status": Status.PENDING,
        "invited_email": "alice@example.org",
        "inviter_id": 1,
        "inviter_active": True,
        "accepter_id": 2,
        "accepter_email": "alice@example.org",
        "accepter_role": "athlete",
    }
    values.update(changes)
    return rules.acceptance_refusal(**values)


def test_the_invited_athlete_may_accept_a_clinicians_invitation():
    assert accept() is None


def test_the_invited_clinician_may_accept_an_athletes_invitation():
    assert accept(direction=Direction.CLINICIAN, accepter_role="clinician") is None


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        (Status.ACCEPTED, Refusal.USED),
        (Status.CANCELLED, Refusal.CANCELLED),
        (Status.EXPIRED, Refusal.EXPIRED),
    ],
)
def test_a_finished_invitation_is_refused_before_anything_else(status, refusal):
    # Even the wrong person in the wrong role hears first that the link is finished.
    assert accept(status=status, accepter_email="x@example.org", accepter_role="editor") is refusal


def test_an_invitation_from_a_deleted_account_cannot_be_accepted():
    assert accept(inviter_active=False) is Refusal.INVITER_GONE


def test_the_sender_cannot_accept_their_own_invitation():
    assert accept(accepter_id=1, accepter_email="alice@example.org") is Refusal.OWN


def test_someone_signed_in_with_another_address_is_refused():
    assert accept(accepter_email="mallory@example.org") is Refusal.WRONG_PERSON


@pytest.mark.parametrize(
    ("direction", "role"),
    [
        (Direction.CLIENT, "clinician"),
        (Direction.CLIENT, "editor"),
        (Direction.CLINICIAN, "athlete"),
        (Direction.CLINICIAN, "admin"),
    ],
)
def test_the_right_address_in_the_wrong_role_is_refused(direction, role):
    assert accept(direction=direction, accepter_role=role) is Refusal.WRONG_ROLE


def test_only_clinicians_and_athletes_invite():
    assert rules.direction_for("clinician") is Direction.CLIENT
    assert rules.direction_for("athlete") is Direction.CLINICIAN
    assert rules.direction_for("editor") is None
    assert rules.direction_for("admin") is None


def send(**changes: object) -> Refusal | None:
    values: dict = {
        "inviter_email": "charlie@clinic.example",
        "invited_email": "alice@example.org",
        "sent_last_day": 0,
        "daily_limit": 30,
        "open_invitation": False,
        "already_linked": False,
    }
    values.update(changes)
    return rules.sending_refusal(**values)


def test_sending_rules_in_order():
    assert send() is None
    assert send(invited_email="charlie@clinic.example") is Refusal.OWN
    assert send(already_linked=True, open_invitation=True) is Refusal.ALREADY_LINKED
    assert send(open_invitation=True, sent_last_day=99) is Refusal.ALREADY_INVITED
    assert send(sent_last_day=29) is None
    assert send(sent_last_day=30) is Refusal.TOO_MANY


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("alice@example.org", "a…e@example.org"),
        ("al@example.org", "a…@example.org"),
        ("a@example.org", "a…@example.org"),
        ("not-an-address", "…"),
    ],
)
def test_addresses_are_masked_so_they_can_be_recognised_not_harvested(email, masked):
    assert rules.mask_email(email) == masked


def test_every_refusal_has_words_and_a_status():
    assert set(rules.MESSAGES) == set(Refusal)
    assert set(rules.HTTP_STATUS) == set(Refusal)
    for refusal in rules.GONE:
        assert rules.HTTP_STATUS[refusal] == 410
    assert rules.HTTP_STATUS[Refusal.WRONG_PERSON] == 403
    assert rules.HTTP_STATUS[Refusal.INVALID] == 400


def test_messages_are_filled_in_and_the_clinician_wording_differs():
    wrong = rules.problem(Refusal.WRONG_PERSON, invited="a…e@example.org")
    assert "a…e@example.org" in wrong.message and "{" not in wrong.message
    too_many = rules.problem(Refusal.TOO_MANY, limit=30)
    assert "30 invitations" in too_many.message
    for_client = rules.problem(Refusal.WRONG_ROLE, direction=Direction.CLIENT).message
    for_clinician = rules.problem(Refusal.WRONG_ROLE, direction=Direction.CLINICIAN).message
    assert for_client != for_clinician and "clinician account" in for_clinician
