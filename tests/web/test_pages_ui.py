"""What a person sees: every page works under a strict Content-Security-Policy (no inline script,
style or event handler), and the rehab pages use plain words: no internal rule ids for
athletes, each message said once, and nothing that sounds like a diagnosis."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backstride.core.protocol import default_protocol
from backstride.rehab.forms import HistoryForm
from tests.publication.conftest import make_article, make_episode
from tests.rehab.conftest import STEP_ANSWERS, all_no, finish_assessment, give_consent, step_url

SRC = Path(__file__).resolve().parents[2] / "src" / "backstride"

# --- Strict CSP: no inline script, style or handler -----------------------------------------
# Emails never render in the site, and the manual's template is a string.Template rendered to
# PDF by WeasyPrint, never served as a page.
NOT_PAGES = ("/email/", "/manual/templates/")
INLINE = {
    "inline <script> (no src)": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "on*= event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on handler": re.compile(r"\s(?:data-)?hx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def page_templates() -> list[Path]:
    found = sorted(SRC.glob("**/templates/**/*.html"))
    return [p for p in found if not any(part in p.as_posix() for part in NOT_PAGES)]


def test_there_are_page_templates_to_check() -> None:
    names = {p.name for p in page_templates()}
    assert {"base.html", "stop.html", "editor.html", "home.html", "500.html"} <= names
    assert not any("/email/" in p.as_posix() for p in page_templates())


@pytest.mark.parametrize("path", page_templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_page_template_has_no_inline_script_style_or_handler(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = [
        f"{what}: {m.group(0).strip()!r} (line {text.count(chr(10), 0, m.start()) + 1})"
        for what, pattern in INLINE.items()
        for m in pattern.finditer(text)
    ]
    assert problems == []


class Inline(HTMLParser):
    """Everything in a rendered page that a strict CSP would block, plus leaked template syntax."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "style":
            self.problems.append("<style> element")
        data_block = named.get("type") in {"application/ld+json", "application/json"}
        if tag == "script" and "src" not in named and not data_block:
            self.problems.append("inline <script>")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>: {value!r}")
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_data(self, data: str) -> None:
        if "{#" in data or "{%" in data:
            self.problems.append(f"template syntax in the page: {data.strip()[:60]!r}")


def inline_problems(html: str) -> list[str]:
    parser = Inline()
    parser.feed(html)
    return parser.problems


class Text(HTMLParser):
    """The words on a page, as a person reads them (no tags, no script or style)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in {"script", "style", "template"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    parser = Text()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def placed_client(athlete: Any) -> Client:
    """Alice, assessed and placed: her today, result and progress pages exist."""
    client = logged_in(athlete)
    finish_assessment(client)
    return client


@pytest.fixture
def stopped_client(other_athlete: Any) -> Client:
    """Bob, stopped by two answers: one emergency (saddle numbness), one urgent (weakness)."""
    client = logged_in(other_athlete)
    flags = all_no() | {"ces_saddle_numbness": "yes", "neuro_progressive_weakness": "unsure"}
    response = finish_assessment(client, red_flags=flags)
    assert response["Location"] == reverse("rehab:stop")
    return client


@pytest.fixture
def site_content(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    article = make_article(body="## Plank\n\nTrain the trunk.")
    return {"article": article, "episode": make_episode(article=article)}


def test_rendered_pages_have_no_inline_script_style_or_handler(
    client: Client,
    placed_client: Client,
    stopped_client: Client,
    editor: Any,
    athlete: Any,
    site_content: dict[str, Any],
) -> None:
    exercise = next(iter(default_protocol().exercises))
    pages: list[tuple[Client, str]] = [
        (client, "/"),
        (client, "/articles/"),
        (client, site_content["article"].get_absolute_url()),
        (client, "/podcast/"),
        (client, site_content["episode"].get_absolute_url()),
        (client, reverse("accounts:login")),
        (client, reverse("accounts:signup")),
        (placed_client, reverse("web:dashboard")),
        (placed_client, reverse("rehab:today")),
        (placed_client, reverse("rehab:assessment_result")),
        (placed_client, reverse("rehab:progress")),
        (placed_client, reverse("rehab:exercise", args=[exercise])),
        (placed_client, reverse("privacy:your_data")),
        (placed_client, reverse("privacy:access_log")),
        (placed_client, reverse("privacy:delete")),
        (stopped_client, reverse("rehab:stop")),
        (logged_in(editor), reverse("publication:editor_home")),
        (logged_in(editor), f"/editor/episodes/{site_content['episode'].pk}/"),
        (logged_in(editor), reverse("newsletter:editor")),
    ]
    for who, path in pages:
        response = who.get(path)
        assert response.status_code == 200, path
        assert inline_problems(response.content.decode()) == [], path


def test_server_error_page_needs_no_inline_style(db: None, client: Client) -> None:
    from django.views.defaults import server_error

    html = server_error(client.get("/").wsgi_request).content.decode()
    assert "Something went wrong" in html
    assert inline_problems(html) == []
    assert "css/app.css" in html


def test_newsletter_growth_bars_are_svg_heights_not_style_attributes(editor: Any) -> None:
    from backstride.newsletter import services

    services.request_subscription("reader@example.org", source="home")
    services.confirm(services.Subscriber.objects.get().tokens.get())
    html = logged_in(editor).get(reverse("newsletter:editor")).content.decode()
    bars = re.findall(r'<rect x="0" y="-(\d+)" width="10" height="(\d+)"/>', html)
    assert len(bars) == 12 and bars[-1] == ("100", "100")
    assert all(y == h for y, h in bars)


def test_htmx_is_told_not_to_inject_its_own_style(db: None, client: Client) -> None:
    html = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false""" in html


# --- Words ---------------------------------------------------------------------------------
def rule_ids() -> set[str]:
    """Every internal rule id in the protocol: red flags, criteria and check-in rules."""
    protocol = default_protocol()
    ids = {flag.id for flag in protocol.red_flags}
    for phase in protocol.phases:
        ids |= {c.id for c in (*phase.entry, *phase.exit)}
    ids |= {rule.id for rule in protocol.checkin_rules}
    return ids


def test_athlete_pages_show_no_internal_rule_ids(
    placed_client: Client, stopped_client: Client
) -> None:
    pages = {
        "result": text_of(placed_client.get(reverse("rehab:assessment_result"))),
        "today": text_of(placed_client.get(reverse("rehab:today"))),
        "dashboard": text_of(placed_client.get(reverse("web:dashboard"))),
        "progress": text_of(placed_client.get(reverse("rehab:progress"))),
        "stop": text_of(stopped_client.get(reverse("rehab:stop"))),
    }
    assert "Why this phase?" in pages["result"] and "Source:" in pages["result"]
    for name, text in pages.items():
        shown = sorted(i for i in rule_ids() if re.search(rf"\b{re.escape(i)}\b", text))
        assert shown == [], name
        assert "Rule " not in text, name


def test_clinician_page_still_shows_rule_ids(
    other_athlete: Any, stopped_client: Client, clinician: Any
) -> None:
    from backstride.accounts.models import CareLink

    CareLink.objects.create(clinician=clinician, athlete=other_athlete, consented_at=timezone.now())
    text = text_of(
        logged_in(clinician).get(reverse("rehab:athlete_detail", args=[other_athlete.pk]))
    )
    assert "ces_saddle_numbness" in text and "neuro_progressive_weakness" in text


def test_clinician_sees_decision_rule_ids_the_athlete_does_not(
    athlete: Any, placed_client: Client, clinician: Any
) -> None:
    url = reverse("rehab:athlete_detail", args=[athlete.pk])
    for_clinician = text_of(logged_in(clinician).get(url))
    for_athlete = text_of(placed_client.get(url))
    assert re.search(r"Rule p\d-[a-z-]+", for_clinician)
    assert "Rule " not in for_athlete


def test_unmet_criterion_says_not_yet_once(placed_client: Client) -> None:
    text = text_of(placed_client.get(reverse("rehab:assessment_result")))
    assert "Not yet" in text  # the badge of a criterion not met yet (Phase 2 entry)
    assert "Not yet: " not in text


def answer_steps_before(client: Client, step: str) -> None:
    """Consent, then answer every wizard step before ``step`` as the rehab tests do."""
    give_consent(client)
    steps = list(STEP_ANSWERS)
    for earlier in steps[: steps.index(step)]:
        response = client.post(step_url(earlier), STEP_ANSWERS[earlier])
        assert response.status_code == 302, earlier


def test_optional_goal_question_says_optional_once(athlete: Any) -> None:
    client = logged_in(athlete)
    answer_steps_before(client, "goal")
    text = text_of(client.get(step_url("goal")))
    assert "In your own words (optional)" in text
    assert "(optional) (optional)" not in text


def test_leg_step_without_an_answer_says_one_clear_message(athlete: Any) -> None:
    client = logged_in(athlete)
    answer_steps_before(client, "legs")
    response = client.post(step_url("legs"), {})
    text = text_of(response)
    message = "Please tick at least one option. If none of these apply, tick “None”."
    assert text.count(message) == 1
    assert "Please check one answer below." not in text
    assert "need your attention" not in text and "needs your attention" not in text
    assert text.count("Please") == 1  # one message, not three
    html = response.content.decode()
    assert 'href="#id_leg_symptoms"' in html  # the message takes you to the question
    assert 'aria-describedby="id_leg_symptoms_errors"' in html
    assert 'id="id_leg_symptoms_errors"' in html


def test_several_errors_are_counted_in_plain_words(athlete: Any) -> None:
    client = logged_in(athlete)
    give_consent(client)
    text = text_of(client.post(step_url("history"), {}))
    questions = sum(field.required for field in HistoryForm().fields.values())
    assert questions > 1
    assert f"{questions} answers need your attention:" in text
    assert "Please answer this question." in text


def test_stop_page_with_several_answers_reads_well_and_does_not_diagnose(
    stopped_client: Client,
) -> None:
    text = text_of(stopped_client.get(reverse("rehab:stop")))
    assert "The answers that matter" in text
    assert "the answer listed" not in text and "the symptom listed" not in text
    assert "examine you" not in text
    assert "It needs to be seen by a GP or doctor today." in text
    assert "what you answered to the safety questions" in text


def test_no_urgency_advice_or_red_flag_reason_counts_answers_or_examines() -> None:
    protocol = default_protocol()
    texts = [a.action + " " + a.detail for a in protocol.urgency.values()]
    texts += [flag.reason for flag in protocol.red_flags]
    for text in texts:
        assert not re.search(r"\bthe (answer|symptom|sign)s? listed\b", text), text
        assert "examine you" not in text, text


def test_exercise_page_has_one_h1_with_the_exercise_name(placed_client: Client) -> None:
    exercise = next(iter(default_protocol().exercises.values()))
    html = placed_client.get(reverse("rehab:exercise", args=[exercise.id])).content.decode()
    h1s = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert [h.strip() for h in h1s] == [exercise.name]


def test_session_page_keeps_numbered_exercise_headings(placed_client: Client) -> None:
    html = placed_client.get(reverse("rehab:today")).content.decode()
    assert re.search(r'<h2 class="exercise-title"><span class="ex-number">1\.</span>', html)
    assert len(re.findall(r"<h1\b", html)) == 1
