"""One small world for the authorisation matrix: a runner with a record in every table, the
clinician they share it with, one they stopped sharing with, one they never shared with, another
athlete, an editor and an admin; and how to fill each URL argument from it."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.utils import timezone

from backstride.accounts.models import CareLink, Invitation, User
from backstride.activities.models import Activity, ImportBatch
from backstride.api.models import ApiToken
from backstride.clinic.models import ClinicianNote
from backstride.formcheck.models import FormCheck
from backstride.privacy.models import DataExport
from backstride.publication import demo as publication_demo
from backstride.publication.models import Article, Episode
from backstride.rehab.models import RedFlagScreen
from backstride.running.models import RunCheckIn
from tests.conftest import make_revoked_clinician, make_user
from tests.privacy.conftest import populate_runner

#: Every kind of person the matrix checks.
ROLES = (
    "anonymous",
    "athlete",  # the runner: the owner of every record below
    "other_athlete",
    "linked_clinician",
    "unlinked_clinician",
    "revoked_clinician",
    "editor",
    "admin",
)


@dataclass
class World:
    people: dict[str, User | None]
    args: dict[str, dict[str, Any]]  # URL argument → value, per namespace ("" = any)

    @property
    def owner(self) -> User:
        user = self.people["athlete"]
        assert user is not None
        return user


def build_world() -> World:
    runner = populate_runner()
    publication_demo.load_demo(StringIO())
    revoked = make_revoked_clinician(runner)
    people: dict[str, User | None] = {
        "anonymous": None,
        "athlete": runner,
        "other_athlete": User.objects.get(email="athlete@example.com"),
        "linked_clinician": User.objects.get(email="clinician@example.com"),
        "unlinked_clinician": make_user("dana@otherclinic.example", role="clinician"),
        "revoked_clinician": revoked,
        "editor": User.objects.get(email="editor@example.com"),
        "admin": User.objects.get(email="admin@example.com"),
    }
    clinician = people["linked_clinician"]
    activity = Activity.objects.filter(user=runner).order_by("-start").first()
    assert activity is not None
    run_checkin = RunCheckIn.objects.filter(user=runner).first()
    assert run_checkin is not None
    note = ClinicianNote.objects.create(athlete=runner, author=clinician, text="Sleeps badly.")
    screen = RedFlagScreen.objects.filter(user=runner).first()
    assert screen is not None
    check = FormCheck.objects.get(athlete=runner)
    export = DataExport.objects.filter(user=runner).first()
    assert export is not None
    article = Article.objects.filter(status="published").first() or Article.objects.first()
    episode = Episode.objects.filter(status="published").first() or Episode.objects.first()
    assert article is not None and episode is not None
    link = CareLink.objects.get(clinician=clinician, athlete=runner)
    invitation = Invitation.objects.get(inviter=runner)
    token = ApiToken.objects.filter(user=runner).first()
    batch = ImportBatch.objects.filter(user=runner).first()
    assert token is not None and batch is not None
    common = {
        "athlete_id": runner.pk,
        "activity_id": activity.pk,
        "note_id": note.pk,
        "screen_id": screen.pk,
        "check_id": check.pk,
        "batch_id": batch.pk,
        "link_id": link.pk,
        "export_id": export.pk,
        "index": 0,
        "token": "not-a-real-token",
        "slug": article.slug,
        "tag": "running",
        "step": "history",
        "kind": "weekly",
        "exercise_id": "",
        "day": timezone.now().date().isoformat(),
    }
    from backstride.rehab.records import protocol_for

    common["exercise_id"] = next(iter(protocol_for(runner).exercises))
    args = {
        "": common,
        "activities": {"pk": activity.pk},
        "formcheck": {"pk": check.pk},
        "privacy": {"pk": export.pk},
        "running": {"pk": run_checkin.pk},
        "publication:episode_detail": {"slug": episode.slug},
        "publication:episode_chapters": {"slug": episode.slug},
        "publication:episode_transcript": {"slug": episode.slug, "ext": "vtt"},
        "publication:episode_audio": {"name": episode.audio_name},
        "publication:media": {"name": "0" * 32 + ".jpg"},
        "publication:editor_episode_edit": {"pk": episode.pk},
        "publication": {"pk": article.pk},
        "accounts": {"pk": invitation.pk, "uidb64": "MQ", "token": "not-a-real-token"},
        "api_token_revoke": {"pk": token.pk},
    }
    return World(people=people, args=args)


def arg_value(world: World, namespace: str, name: str, arg: str) -> Any:
    """The value of URL argument ``arg`` for the pattern ``namespace:name``."""
    for key in (f"{namespace}:{name}", name, namespace, ""):
        if key in world.args and arg in world.args[key]:
            return world.args[key][arg]
    raise KeyError(f"no value for <{arg}> in {namespace}:{name}: add one to build_world")
