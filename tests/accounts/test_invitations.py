"""Invitations through the pages: sending (queue + real SMTP), signing up from one, consenting,
and every way a link can be wrong: reused, expired, replaced, cancelled, tampered, the wrong
person, the wrong role."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backstride.accounts import invitations
from backstride.accounts.models import CareLink, ConsentRecord, Invitation, User
from backstride.accounts.permissions import can_view_athlete
from backstride.accounts.tokens import invitation_path, invitation_token
from tests.conftest import PASSWORD, email_text, make_user

from .conftest import invitation_path_in, send_invitation

pytestmark = pytest.mark.django_db

NEW_CLIENT = "new.client@example.org"


@pytest.fixture
def charlie(db):
    """A clinician with no clients yet."""
    return make_user("charlie@clinic.example", role="clinician", display_name="Charlie Physio")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def emailed_path(client_for, clinician, email, smtp_server, run_tasks) -> str:
    send_invitation(client_for(clinician), email)
    run_tasks()
    [message] = smtp_server.wait_for(1)
    return invitation_path_in(message)


def consent(client: Client, path: str, **data):
    return client.post(path, {"consent": "on", **data})


# --- Sending ----------------------------------------------------------------------------------
def test_a_clinicians_invitation_is_emailed_by_the_worker_once(
    client_for, charlie, smtp_server, run_tasks
):
    invitation = send_invitation(client_for(charlie), "  New.Client@Example.org ")
    assert invitation.email == NEW_CLIENT and invitation.direction == "client"
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert smtp_server.messages == []  # nothing is sent inside the request
    assert run_tasks() == 1
    message = smtp_server.only_email(
        NEW_CLIENT, "Charlie Physio invited you to share your rehab record"
    )
    assert message["Reply-To"] == "charlie@clinic.example"
    text = email_text(message)
    assert "Nothing is shared until you say yes" in text and "14 days" in text
    assert invitation_path_in(message).startswith("/accounts/invitations/")
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None
    # A job retried after the email went out sends nothing more.
    from backstride.accounts.tasks import send_invitation_email

    assert send_invitation_email.call(invitation.pk, invitation.nonce) is False
    assert len(smtp_server.messages) == 1


def test_the_invitation_page_lists_what_was_sent(client_for, charlie):
    send_invitation(client_for(charlie), NEW_CLIENT)
    page = page_text(client_for(charlie).get(reverse("accounts:invite_client")))
    assert NEW_CLIENT in page and "Waiting" in page and "Send again" in page and "Cancel" in page


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("charlie@clinic.example", "It is for the person you sent it to"),
        ("not an address", "Enter a valid email address"),
    ],
)
def test_bad_invitations_are_refused_on_the_form(client_for, charlie, email, message):
    response = client_for(charlie).post(reverse("accounts:invite_client"), {"email": email})
    assert response.status_code == 200 and message in page_text(response)
    assert not Invitation.objects.exists()


def test_inviting_the_same_address_twice_points_to_resend(client_for, charlie):
    send_invitation(client_for(charlie), NEW_CLIENT)
    again = client_for(charlie).post(reverse("accounts:invite_client"), {"email": NEW_CLIENT})
    assert "already invited this address" in page_text(again)
    assert Invitation.objects.count() == 1


def test_a_client_who_already_shares_cannot_be_invited_again(client_for, clinician, athlete):
    response = client_for(clinician).post(
        reverse("accounts:invite_client"), {"email": athlete.email}
    )
    assert "already connected" in page_text(response)


def test_a_day_holds_a_limited_number_of_invitations(client_for, charlie, monkeypatch):
    monkeypatch.setattr(invitations, "DAILY_LIMIT", 2)
    c = client_for(charlie)
    send_invitation(c, "one@example.org")
    send_invitation(c, "two@example.org")
    third = c.post(reverse("accounts:invite_client"), {"email": "three@example.org"})
    assert "sent 2 invitations in the last day" in page_text(third)
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize("who", ["athlete", "editor", "admin_user"])
def test_only_clinicians_invite_clients(request, client_for, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse("accounts:invite_client")).status_code == 403


@pytest.mark.parametrize("who", ["clinician", "editor", "admin_user"])
def test_only_athletes_invite_a_clinician(request, client_for, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse("accounts:invite_clinician")).status_code == 403


def test_the_invite_pages_need_a_login(client):
    for name in ("accounts:invite_client", "accounts:invite_clinician", "accounts:sharing"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Signing up from an invitation --------------------------------------------------------------
def test_a_new_address_signs_up_from_the_invitation_and_consents(
    client_for, charlie, smtp_server, run_tasks
):
    path = emailed_path(client_for, charlie, NEW_CLIENT, smtp_server, run_tasks)
    browser = Client()
    welcome = page_text(browser.get(path))
    assert "Charlie Physio invited you to share your rehab record" in welcome
    signup_path = reverse("accounts:invitation_signup", args=[path.split("/")[-2]])
    assert signup_path in welcome

    form = page_text(browser.get(signup_path))
    assert NEW_CLIENT in form and 'name="email"' not in form  # the invited address, fixed
    weak = browser.post(signup_path, {"display_name": "Nia", "password": "short", "terms": "on"})
    assert weak.status_code == 200 and not User.objects.filter(email=NEW_CLIENT).exists()
    done = browser.post(signup_path, {"display_name": "Nia", "password": PASSWORD, "terms": "on"})
    assert done.status_code == 302 and done["Location"] == path  # straight to consent
    nia = User.objects.get(email=NEW_CLIENT)
    assert nia.is_athlete and nia.email_verified  # the invitation proved the inbox
    assert ConsentRecord.objects.filter(user=nia, kind="terms", source="invitation").exists()

    screen = page_text(browser.get(path))
    assert "Share your record with Charlie Physio?" in screen
    for item in invitations.WHAT_IS_SHARED:
        assert item.capitalize() in screen
    assert "Who looked at your data" in screen and "stop at any time" in screen
    assert not CareLink.objects.exists()  # looking is not agreeing

    unticked = browser.post(path, {})
    assert unticked.status_code == 200 and "Please tick the box" in page_text(unticked)
    assert not CareLink.objects.exists()

    agreed = consent(browser, path)
    assert agreed.status_code == 302 and agreed["Location"] == reverse("accounts:sharing")
    link = CareLink.objects.get()
    assert (link.clinician, link.athlete) == (charlie, nia) and link.is_active
    record = ConsentRecord.objects.get(user=nia, kind="share_with_clinician")
    assert record.action == "given" and record.care_link == link
    assert record.wording_version == invitations.SHARING_VERSION
    assert record.ip_prefix == "127.0.0.0/24"
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == nia and invitation.care_link == link
    assert can_view_athlete(charlie, nia)
    rehab_page = client_for(charlie).get(reverse("rehab:athlete_detail", args=[nia.pk]))
    assert rehab_page.status_code == 200


def test_an_existing_account_signs_in_then_consents(
    client_for, charlie, athlete, smtp_server, run_tasks
):
    path = emailed_path(client_for, charlie, athlete.email, smtp_server, run_tasks)
    browser = Client()
    welcome = page_text(browser.get(path))
    assert "Log in to continue" in welcome and "Create your account" not in welcome
    login = browser.post(
        reverse("accounts:login") + "?next=" + quote(path),
        {"username": athlete.email, "password": PASSWORD},
    )
    assert login.status_code == 302 and login["Location"] == path
    assert consent(browser, path)["Location"] == reverse("accounts:sharing")
    assert can_view_athlete(charlie, athlete)


def test_signup_from_an_invitation_to_an_address_with_an_account_goes_to_login(
    client_for, charlie, athlete
):
    invitation = send_invitation(client_for(charlie), athlete.email)
    token = invitation_token(invitation)
    response = Client().get(reverse("accounts:invitation_signup", args=[token]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert User.objects.filter(email=athlete.email).count() == 1


# --- Links that cannot be used ----------------------------------------------------------------
def test_a_used_link_cannot_be_used_again(client_for, charlie, athlete):
    invitation = send_invitation(client_for(charlie), athlete.email)
    path = invitation_path(invitation)
    c = client_for(athlete)
    assert consent(c, path).status_code == 302
    for response in (c.get(path), consent(c, path), Client().get(path)):
        assert response.status_code == 410
        assert "already been used" in page_text(response)
    assert CareLink.objects.count() == 1
    assert ConsentRecord.objects.filter(kind="share_with_clinician").count() == 1


def test_an_expired_link_is_refused(client_for, charlie, athlete, settings):
    settings.INVITE_MAX_AGE_DAYS = 2
    invitation = send_invitation(client_for(charlie), athlete.email)
    path = invitation_path(invitation)
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        response = consent(client_for(athlete), path)
        assert response.status_code == 410 and "expired" in page_text(response)
        listed = page_text(client_for(charlie).get(reverse("accounts:invite_client")))
        assert "Expired" in listed
    assert not CareLink.objects.exists()


def test_sending_again_replaces_the_link(client_for, charlie, athlete, smtp_server, run_tasks):
    old = emailed_path(client_for, charlie, athlete.email, smtp_server, run_tasks)
    invitation = Invitation.objects.get()
    c = client_for(charlie)
    assert c.post(reverse("accounts:resend_invitation", args=[invitation.pk])).status_code == 302
    run_tasks()
    new = invitation_path_in(smtp_server.wait_for(2)[1])
    assert new != old
    stale = client_for(athlete).get(old)
    assert stale.status_code == 410 and "only the newest email's link works" in page_text(stale)
    assert consent(client_for(athlete), new).status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_count == 2 and invitation.accepted_at is not None


def test_resending_has_a_limit(client_for, charlie):
    invitation = send_invitation(client_for(charlie), NEW_CLIENT)
    c = client_for(charlie)
    for _ in range(invitations.MAX_SENDS + 1):
        c.post(reverse("accounts:resend_invitation", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.send_count == invitations.MAX_SENDS
    page = page_text(c.get(reverse("accounts:invite_client")))
    assert f"(sent {invitations.MAX_SENDS} times)" in page


def test_a_cancelled_invitation_cannot_be_accepted(client_for, charlie, athlete, other_clinician):
    invitation = send_invitation(client_for(charlie), athlete.email)
    path = invitation_path(invitation)
    url = reverse("accounts:cancel_invitation", args=[invitation.pk])
    assert client_for(other_clinician).post(url).status_code == 404  # not theirs
    assert client_for(charlie).post(url).status_code == 302
    response = consent(client_for(athlete), path)
    assert response.status_code == 410 and "cancelled" in page_text(response)
    assert not CareLink.objects.exists()


@pytest.mark.parametrize("change", ["cut", "tamper"])
def test_a_damaged_link_is_refused(client_for, charlie, athlete, change):
    invitation = send_invitation(client_for(charlie), athlete.email)
    token = invitation_token(invitation)
    token = token[:-6] if change == "cut" else token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client_for(athlete).get(reverse("accounts:invitation", args=[token]))
    assert response.status_code == 400 and "isn't valid" in page_text(response)


def test_someone_else_signed_in_is_refused(client_for, charlie, athlete, other_athlete):
    invitation = send_invitation(client_for(charlie), athlete.email)
    path = invitation_path(invitation)
    for response in (client_for(other_athlete).get(path), consent(client_for(other_athlete), path)):
        text = page_text(response)
        assert response.status_code == 403
        assert "sent to a…e@example.org" in text and "bob@example.org" in text
    assert not CareLink.objects.exists()
    assert consent(client_for(athlete), path).status_code == 302  # still works for Alice


def test_a_clinician_cannot_accept_an_invitation_meant_for_a_client(
    client_for, charlie, other_clinician
):
    invitation = send_invitation(client_for(charlie), other_clinician.email)
    response = consent(client_for(other_clinician), invitation_path(invitation))
    assert response.status_code == 403 and "not an athlete account" in page_text(response)


def test_the_sender_cannot_accept_their_own_invitation(client_for, athlete):
    invitation = send_invitation(client_for(athlete), "physio@clinic.example", as_athlete=True)
    response = client_for(athlete).post(invitation_path(invitation))
    assert response.status_code == 403 and "invitation you sent" in page_text(response)


# --- The athlete invites their clinician -------------------------------------------------------
def test_an_athlete_must_agree_before_inviting_their_clinician(client_for, athlete):
    page = page_text(client_for(athlete).get(reverse("accounts:invite_clinician")))
    assert "What your clinician will see" in page and "Every look is logged" in page
    response = client_for(athlete).post(
        reverse("accounts:invite_clinician"), {"email": "dana@otherclinic.example"}
    )
    assert response.status_code == 200 and "Please tick the box" in page_text(response)
    assert not Invitation.objects.exists() and not ConsentRecord.objects.filter(user=athlete)


def test_a_clinician_accepts_an_athletes_invitation(
    client_for, athlete, other_clinician, smtp_server, run_tasks
):
    invitation = send_invitation(client_for(athlete), other_clinician.email, as_athlete=True)
    given = ConsentRecord.objects.get(user=athlete, kind="share_with_clinician")
    assert given.action == "given" and given.source == "sharing"
    assert "d…a@otherclinic.example" in given.detail
    run_tasks()
    message = smtp_server.only_email(other_clinician.email, "invited you to see their rehab record")
    path = invitation_path_in(message)
    assert not can_view_athlete(other_clinician, athlete)

    dana = client_for(other_clinician)
    screen = page_text(dana.get(path))
    assert "See Alice's record?" in screen and "logged" in screen
    accepted = dana.post(path)
    assert accepted.status_code == 302 and accepted["Location"] == reverse("web:dashboard")
    assert can_view_athlete(other_clinician, athlete)
    invitation.refresh_from_db()
    assert invitation.accepted_by == other_clinician
    # Alice's consent was given once, on her form: accepting adds no second record.
    assert ConsentRecord.objects.filter(user=athlete, kind="share_with_clinician").count() == 1


def test_an_athletes_invitation_to_an_unknown_address_offers_no_signup(client_for, athlete):
    invitation = send_invitation(client_for(athlete), "new.physio@example.org", as_athlete=True)
    token = invitation_token(invitation)
    welcome = page_text(Client().get(reverse("accounts:invitation", args=[token])))
    assert "administrator sets up clinician accounts" in welcome
    assert "Create your account" not in welcome
    with time_machine.travel(timezone.now(), tick=False):  # both links signed in one second
        signup = Client().get(reverse("accounts:invitation_signup", args=[token]))
        assert signup.status_code == 302 and signup["Location"] == invitation_path(invitation)


def test_an_athlete_cannot_accept_an_invitation_meant_for_a_clinician(client_for, athlete):
    bob = make_user("bob.physio@example.org", display_name="Bob")  # an athlete account
    invitation = send_invitation(client_for(athlete), bob.email, as_athlete=True)
    response = client_for(bob).post(invitation_path(invitation))
    assert response.status_code == 403 and "clinician account" in page_text(response)


def test_sharing_again_after_stopping_reopens_the_same_link(client_for, clinician, athlete):
    link = CareLink.objects.get(athlete=athlete)
    client_for(athlete).post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert not can_view_athlete(clinician, athlete)
    invitation = send_invitation(client_for(clinician), athlete.email)
    assert consent(client_for(athlete), invitation_path(invitation)).status_code == 302
    link.refresh_from_db()
    assert link.is_active and CareLink.objects.count() == 1
    actions = list(ConsentRecord.objects.filter(care_link=link).values_list("action", flat=True))
    assert actions == ["withdrawn", "given"]
