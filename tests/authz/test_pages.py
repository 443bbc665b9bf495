"""Every page × every role, with the status each must get.

The table is exact: a new page without a row, or a page that starts answering a role
differently, fails here. "L" is a redirect to the login page. Pages marked ``client`` show
one athlete's health data to someone else: every signed-in visitor other than the athlete
must leave an entry in the athlete's access log, whether they were let in or refused.
"""

from __future__ import annotations

from functools import partial

import pytest

from backstride.accounts.models import AuditEvent

from .conftest import Walk, browser, seen
from .patterns import pages, url
from .world import ROLES, World, arg_value

pytestmark = pytest.mark.django_db

# Statuses in the order of ROLES: anonymous, athlete (the owner), other athlete, linked,
# unlinked and revoked clinician, editor, admin.
PUBLIC = "200 200 200 200 200 200 200 200"
SIGNED_IN = "L 200 200 200 200 200 200 200"
ATHLETES = "L 200 200 403 403 403 403 200"
OWN = "L 200 404 403 403 403 403 404"
OWN_ANY_ROLE = "L 200 404 404 404 404 404 404"
CLIENT = "L 200 404 200 404 404 404 404"
CLINIC = "L 404 404 200 404 404 404 404"
EDITORS = "L 403 403 403 403 403 200 200"
CLINICIANS = "L 403 403 200 200 200 403 200"
BAD_TOKEN = "400 400 400 400 400 400 400 400"

GET, POST = "GET", "POST"

#: page → (method, statuses in ROLES order, whether it shows a client's data)
RULES: dict[str, tuple[str, str, bool]] = {
    # site
    "web:home": (GET, PUBLIC, False),
    "web:dashboard": (GET, "L 200 200 302 302 302 200 200", False),  # clinicians → caseload
    "web:healthz": (GET, PUBLIC, False),
    "web:metrics": (GET, "404 404 404 404 404 404 404 404", False),  # off unless configured
    "web:favicon": (GET, "301 301 301 301 301 301 301 301", False),
    "api_tokens": (GET, SIGNED_IN, False),
    "api_token_revoke": (POST, "L 302 404 404 404 404 404 404", False),  # the athlete's token
    # accounts
    "accounts:signup": (GET, "200 302 302 302 302 302 302 302", False),
    "accounts:verify_sent": (GET, PUBLIC, False),
    "accounts:resend_verification": (GET, PUBLIC, False),
    "accounts:verify": (GET, BAD_TOKEN, False),
    "accounts:login": (GET, "200 302 302 302 302 302 302 302", False),
    "accounts:login_two_factor": (GET, "L L L L L L L L", False),  # nothing pending
    "accounts:logout": (POST, "302 302 302 302 302 302 302 302", False),
    "accounts:profile": (GET, SIGNED_IN, False),
    "accounts:your_data": (GET, "302 302 302 302 302 302 302 302", False),
    "accounts:access_log": (GET, "302 302 302 302 302 302 302 302", False),
    "accounts:invite_client": (GET, "L 403 403 200 200 200 403 403", False),
    "accounts:invite_clinician": (GET, "L 200 200 403 403 403 403 403", False),
    "accounts:resend_invitation": (POST, "L 302 404 404 404 404 404 404", False),
    "accounts:cancel_invitation": (POST, "L 302 404 404 404 404 404 404", False),
    "accounts:invitation": (GET, BAD_TOKEN, False),
    "accounts:invitation_signup": (GET, BAD_TOKEN, False),
    "accounts:sharing": (GET, "L 200 200 403 403 403 403 403", False),
    "accounts:revoke_sharing": (POST, "L 302 404 404 404 404 404 404", False),
    "accounts:consent_link": (GET, "L 404 404 404 404 404 404 404", False),  # already consented
    "accounts:two_factor_setup": (GET, "L L 200 200 200 200 200 200", False),
    "accounts:two_factor_disable": (POST, "L 302 302 302 302 302 302 302", False),
    "accounts:password_reset": (GET, PUBLIC, False),
    "accounts:password_reset_done": (GET, PUBLIC, False),
    "accounts:password_reset_confirm": (
        GET,
        "200 200 200 200 200 200 200 200",
        False,
    ),  # says the link is invalid
    "accounts:password_reset_complete": (GET, PUBLIC, False),
    # your data
    "privacy:your_data": (GET, SIGNED_IN, False),
    "privacy:access_log": (GET, SIGNED_IN, False),
    "privacy:export_start": (POST, "L 302 302 302 302 302 302 302", False),
    "privacy:export_detail": (GET, OWN_ANY_ROLE, False),
    "privacy:export_status": (GET, OWN_ANY_ROLE, False),
    "privacy:export_download": (GET, "L 400 400 400 400 400 400 400", False),
    "privacy:delete": (GET, SIGNED_IN, False),
    "privacy:deleted": (GET, PUBLIC, False),
    "rehab:index": (GET, "L 302 302 403 403 403 403 302", False),
    "rehab:consent": (GET, "L 302 302 403 403 403 403 200", False),
    "rehab:assessment": (GET, "L 302 302 403 403 403 403 302", False),
    "rehab:assessment_result": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:assessment_step": (GET, "L 302 302 403 403 403 403 302", False),
    "rehab:stop": (GET, "L 302 302 403 403 403 403 302", False),
    "rehab:seen_clinician": (POST, "L 404 404 403 403 403 403 404", False),
    "rehab:screen": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:today": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:session_done": (POST, "L 302 302 403 403 403 403 302", False),
    "rehab:checkin": (GET, "L 302 302 403 403 403 403 302", False),
    "rehab:morning": (POST, "L 302 302 403 403 403 403 302", False),
    "rehab:checkin_result": (GET, "L 200 302 403 403 403 403 302", False),
    "rehab:fortyeight": (POST, "L 302 302 403 403 403 403 302", False),
    "rehab:tests": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:progress": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:outcomes": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:outcomes_new": (GET, "L 200 200 403 403 403 403 302", False),
    "rehab:exercises": (GET, SIGNED_IN, False),
    "rehab:exercise": (GET, SIGNED_IN, False),
    "rehab:athlete_detail": (GET, CLIENT, True),
    "rehab:clear": (POST, "L 404 404 404 404 404 404 404", True),
    "activities:list": (GET, ATHLETES, False),
    "activities:log": (GET, ATHLETES, False),
    "activities:upload": (GET, ATHLETES, False),
    "activities:import_batch": (GET, OWN, False),
    "activities:import_status": (GET, OWN, False),
    "activities:load": (GET, ATHLETES, False),
    "activities:export_json": (GET, ATHLETES, False),
    "activities:export_csv": (GET, ATHLETES, False),
    "activities:detail": (GET, OWN, False),
    "activities:edit": (GET, OWN, False),
    "activities:delete": (GET, OWN, False),
    "activities:original": (GET, OWN, False),
    "activities:gpx": (GET, OWN, False),
    "activities:client_list": (GET, CLIENT, True),
    "activities:client_load": (GET, CLIENT, True),
    "activities:client_detail": (GET, CLIENT, True),
    "running:plan": (GET, ATHLETES, False),
    "running:ladder": (GET, ATHLETES, False),
    "running:history": (GET, ATHLETES, False),
    "running:readiness": (GET, ATHLETES, False),
    "running:workout_fit": (GET, OWN, False),
    "running:calendar": (GET, ATHLETES, False),
    "running:calendar_create": (POST, "L 302 302 403 403 403 403 302", False),
    "running:calendar_revoke": (POST, "L 302 302 403 403 403 403 302", False),
    "running:calendar_feed": (GET, "404 404 404 404 404 404 404 404", False),
    "running:checkin": (GET, "L 302 404 403 403 403 403 404", False),
    "running:checkin_result": (GET, OWN, False),
    "running:morning": (GET, OWN, False),
    "running:h48": (GET, OWN, False),
    "running:athlete_plan": (GET, CLIENT, True),
    "running:athlete_ladder": (GET, CLIENT, True),
    "running:athlete_history": (GET, CLIENT, True),
    "formcheck:list": (GET, ATHLETES, False),
    "formcheck:upload": (GET, ATHLETES, False),
    "formcheck:detail": (GET, OWN, False),
    "formcheck:status": (GET, OWN, False),
    "formcheck:frame": (GET, OWN, False),
    "formcheck:video": (GET, OWN, False),
    "formcheck:delete": (GET, OWN, False),
    "formcheck:client_list": (GET, CLIENT, True),
    "formcheck:client_detail": (GET, CLIENT, True),
    "formcheck:client_status": (GET, CLIENT, True),
    "formcheck:client_frame": (GET, CLIENT, True),
    "clinic:caseload": (GET, CLINICIANS, False),
    "clinic:client": (GET, CLINIC, True),
    "clinic:export": (GET, CLINIC, True),
    "clinic:note_add": (POST, "L 404 404 400 404 404 404 404", True),
    "clinic:note_edit": (GET, CLINIC, True),
    "clinic:tailor": (GET, CLINIC, True),
    "clinic:clear": (POST, "L 404 404 400 404 404 404 404", True),
    "clinic:my_changes": (GET, ATHLETES, False),
    "clinic:my_changes_seen": (POST, "L 302 302 403 403 403 403 302", False),
    "newsletter:signup": (GET, PUBLIC, False),
    "newsletter:confirm": (GET, BAD_TOKEN, False),
    "newsletter:unsubscribe": (GET, BAD_TOKEN, False),
    "newsletter:preferences": (GET, BAD_TOKEN, False),
    "newsletter:manual": (GET, BAD_TOKEN, False),
    "newsletter:editor": (GET, EDITORS, False),
    "publication:article_list": (GET, PUBLIC, False),
    "publication:article_feed": (GET, PUBLIC, False),
    "publication:article_tag": (GET, PUBLIC, False),
    "publication:article_detail": (GET, PUBLIC, False),
    "publication:media": (GET, "404 404 404 404 404 404 404 404", False),
    "publication:podcast_list": (GET, PUBLIC, False),
    "publication:podcast_feed": (GET, PUBLIC, False),
    "publication:episode_audio": (GET, PUBLIC, False),
    "publication:episode_detail": (GET, PUBLIC, False),
    "publication:episode_transcript": (GET, PUBLIC, False),
    "publication:episode_chapters": (GET, PUBLIC, False),
    "publication:editor_home": (GET, EDITORS, False),
    "publication:editor_article_new": (GET, EDITORS, False),
    "publication:editor_article_edit": (GET, EDITORS, False),
    "publication:editor_episode_new": (GET, EDITORS, False),
    "publication:editor_episode_edit": (GET, EDITORS, False),
    "publication:editor_preview": (POST, EDITORS, False),
    "publication:sitemap": (GET, PUBLIC, False),
    "publication:robots_txt": (GET, PUBLIC, False),
}


def test_every_page_has_a_rule() -> None:
    keys = {page.key for page in pages()}
    assert keys - set(RULES) == set(), "pages without a rule: add each to RULES"
    assert set(RULES) - keys == set(), "rules for pages that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(world: World, role: str) -> None:
    walk = Walk(world, role)
    for page in pages():
        method, spec, shows_client = RULES[page.key]
        namespace, _, name = page.key.rpartition(":")
        path = url(page, {a: arg_value(world, namespace, name, a) for a in page.args})
        client = browser(world, role)
        request = partial(client.post, path, {}) if method == POST else partial(client.get, path)
        walk.check(page.key, spec, shows_client, request, seen)
    walk.assert_as_the_table_says("pages", "page")


def test_a_refused_look_is_logged_as_refused(world: World) -> None:
    client = browser(world, "unlinked_clinician")
    path = url(next(p for p in pages() if p.key == "clinic:client"), {"athlete_id": world.owner.pk})
    assert client.get(path).status_code == 404
    event = AuditEvent.objects.filter(athlete=world.owner).first()
    assert event is not None and event.action == AuditEvent.Action.REFUSED
    assert event.actor == world.people["unlinked_clinician"]
