"""The whole clinician–client story in headless Chromium, on real parts (the database task
worker, an SMTP server on loopback): the clinician invites a new client by email; the client
signs up from the link and agrees to share; they log a red check-in; the clinician's caseload
shows them first with the reason; the clinician opens the record; and the client sees that
look in "Who looked at your data"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from backstride.accounts.models import AuditEvent, CareLink, User
from backstride.rehab.services import give_health_consent
from tests.conftest import PASSWORD, SHOTS, email_text, login_in_browser, make_user
from tests.rehab.conftest import answer_checkin_page

from .conftest import checkin, client_of, place, sessions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_CLIENT = "nia.new@example.org"


def test_invite_signup_consent_red_checkin_caseload_record_and_access_log(
    page: Any,
    browser: Any,
    live_server: Any,
    settings: Any,
    smtp_server: Any,
    run_tasks: Any,
) -> None:
    settings.SITE_URL = live_server.url
    charlie = make_user("charlie@clinic.example", role="clinician", display_name="Charlie Physio")
    for name in ("Bea Steady", "Cal Steady"):  # two calm clients, so "first" means something
        other = client_of(charlie, f"{name.split()[0].lower()}@example.org", name)
        place(other)
        sessions(other, range(0, 10))
        checkin(other, 0)

    # 1. The clinician invites a new client; the worker emails the link.
    login_in_browser(page, live_server, charlie.email)
    page.goto(live_server.url + reverse("accounts:invite_client"))
    page.get_by_label("Your client's email address").fill(NEW_CLIENT)
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(NEW_CLIENT).first.wait_for()
    assert run_tasks() >= 1
    [message] = smtp_server.wait_for(1)
    text = email_text(message)
    link = re.search(re.escape(live_server.url) + r"(/accounts/invitations/\S+?/)\s", text)
    assert link, text

    # 2. The client opens it, signs up and agrees to share.
    client_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    nia = client_ctx.new_page()
    nia.goto(live_server.url + link.group(1))
    nia.get_by_role(
        "heading", name="Charlie Physio invited you to share your rehab record"
    ).wait_for()
    nia.get_by_role("link", name="Create your account").click()
    nia.get_by_label("Your name").fill("Nia")
    nia.get_by_label("Password").fill(PASSWORD)
    nia.get_by_label(re.compile("does not diagnose")).check()
    nia.get_by_role("button", name="Create account").click()
    nia.get_by_role("heading", name="Share your record with Charlie Physio?").wait_for()
    nia.get_by_label(re.compile("I agree to share my record")).check()
    nia.get_by_role("button", name="Share my record").click()
    nia.wait_for_load_state()
    user = User.objects.get(email=NEW_CLIENT)
    assert CareLink.objects.active().filter(clinician=charlie, athlete=user).exists()

    # 3. Her program (placed directly: the assessment has its own browser test), then a red
    #    check-in after today's session, through the page.
    give_health_consent(user)
    place(user, days_ago=10)
    sessions(user, range(0, 1))
    nia.goto(live_server.url + reverse("rehab:checkin"))
    answer_checkin_page(nia, before="3", during="8", after="8", stiffness="6", effort="6")
    nia.get_by_role("button", name="Save check-in").click()
    nia.get_by_role("heading", name="Check-in saved").wait_for()
    nia.get_by_text("Red", exact=True).wait_for()

    # 4. The clinician's caseload shows her first, with the reason.
    page.goto(live_server.url + reverse("clinic:caseload"))
    first = page.locator(".client-row").first
    first.wait_for()
    assert "Nia" in first.inner_text(), first.inner_text()
    assert "red rehab check-in" in first.inner_text()

    # 5. The clinician opens her record.
    first.get_by_role("link", name="Nia").click()
    page.get_by_role("heading", name="Nia", exact=True).wait_for()
    assert AuditEvent.objects.filter(athlete=user, actor=charlie, what="client record").exists()

    # 6. She sees that look in her access log.
    nia.goto(live_server.url + reverse("privacy:access_log"))
    row = nia.get_by_role("row").filter(has_text="client record").first
    row.wait_for()
    assert "Charlie Physio" in row.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    nia.screenshot(path=str(SHOTS / "flow-access-log-1280.png"), full_page=True)
    client_ctx.close()
