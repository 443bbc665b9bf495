"""The SMTP fast path for issues sends the same email as the general Django path."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core.mail import get_connection

from backstride.newsletter import services
from backstride.newsletter.emails import Builder
from backstride.newsletter.models import OutboxMessage
from backstride.newsletter.transport import Sender, as_bytes

from .conftest import make_subscriber

pytestmark = pytest.mark.django_db

HTML = "<p>Walk first — then run. <a href='https://example.org/?a=1&b=2'>Notes</a></p>"
TEXT = "Walk first — then run.\n\nNotes: https://example.org/?a=1&b=2"


def parsed(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def general_path(row: OutboxMessage):
    sender = Sender(get_connection("django.core.mail.backends.smtp.EmailBackend"))
    return parsed(sender.prepare(Builder().build(row)).data)


@pytest.mark.parametrize("first_name", ["Robin", "", "O'Brien <b>"])
def test_fast_path_equals_the_general_path(first_name: str) -> None:
    make_subscriber("fast@example.org", first_name=first_name)
    services.send_episode_issue(1, "Episode 1: Walk first — then run", HTML, TEXT)
    row = OutboxMessage.objects.select_related("subscriber", "issue").get()
    wire = Builder().wire(row)
    assert wire is not None
    from_email, to, data = wire
    fast, slow = parsed(data), general_path(row)
    assert to == "fast@example.org" and from_email == "Backstride <hello@backstride.example>"
    ignore = {"date", "content-type"}  # Date differs by the clock, Content-Type by the boundary
    names = {k.lower() for k in slow} - ignore
    assert names == {k.lower() for k in fast} - ignore
    for name in names:
        assert str(fast[name]).strip() == str(slow[name]).strip(), name
    for subtype in ("plain", "html"):
        a, b = fast.get_body((subtype,)), slow.get_body((subtype,))
        assert a.get_content() == b.get_content()
        assert a["Content-Transfer-Encoding"] == b["Content-Transfer-Encoding"]
    assert fast.get_content_type() == "multipart/alternative"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_non_ascii_names_take_the_general_path() -> None:
    make_subscriber("zoe@example.org", first_name="Zoë")
    services.send_episode_issue(2, "Episode 2", HTML, TEXT)
    row = OutboxMessage.objects.select_related("subscriber", "issue").get()
    assert Builder().wire(row) is None
    assert "Hi Zoë," in general_path(row).get_body(("plain",)).get_content()


def test_long_lines_take_the_general_path() -> None:
    make_subscriber("long@example.org")
    services.send_episode_issue(3, "Episode 3", "<p>" + "word " * 400 + "</p>", TEXT)
    row = OutboxMessage.objects.select_related("subscriber", "issue").get()
    assert Builder().wire(row) is None  # quoted-printable body: not patched by bytes


def test_fast_serialiser_matches_the_standard_one() -> None:
    make_subscriber("bytes@example.org", first_name="Sam")
    services.send_episode_issue(
        4, "Épisode 4 — a subject long enough to need folding, yes", HTML, TEXT
    )
    row = OutboxMessage.objects.select_related("subscriber", "issue").get()
    mime = Builder().build(row).message()
    fast = as_bytes(mime)  # sets the boundaries, so the standard one reuses them
    assert fast == mime.as_bytes(linesep="\r\n")
