"""``backstride token``: API tokens for scripts and operators.

    backstride token create EMAIL --name NAME [--scope read|write] [--expires-days N]
    backstride token list EMAIL
    backstride token revoke ID

``create`` prints the new token once (it is stored only as a hash).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backstride.accounts.identity import normalise_email
from backstride.accounts.models import User
from backstride.api.models import ApiToken


def _person(email: str) -> User:
    user = User.objects.filter(email=normalise_email(email)).first()
    if user is None:
        raise CommandError(f"No account has the address {email!r}.")
    if not user.is_active:
        raise CommandError(f"The account {email!r} is deactivated; its tokens would not work.")
    return user


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a token and print it once.")
        create.add_argument("email")
        create.add_argument("--name", required=True, help="What the token is for.")
        create.add_argument("--scope", choices=ApiToken.Scope.values, default="read")
        create.add_argument("--expires-days", type=int, default=None)
        listing = sub.add_parser("list", help="A person's tokens (never the secrets).")
        listing.add_argument("email")
        revoke = sub.add_parser("revoke", help="Stop a token working, by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"_{opts['action']}")(opts)

    def _create(self, opts: dict[str, Any]) -> None:
        name = opts["name"].strip()
        if not name or len(name) > 80:
            raise CommandError("--name must be 1 to 80 characters.")
        days = opts["expires_days"]
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--expires-days must be a whole number from 1 to 3650.")
        expires = timezone.now() + timedelta(days=days) if days else None
        token, raw = ApiToken.issue(_person(opts["email"]), name, opts["scope"], expires)
        self.stderr.write(f"Token {token.pk} ({token.get_scope_display().lower()}) created:")
        self.stdout.write(raw)

    def _list(self, opts: dict[str, Any]) -> None:
        for t in ApiToken.objects.filter(user=_person(opts["email"])):
            state = "revoked" if t.revoked_at else "active"
            if state == "active" and t.expires_at and t.expires_at <= timezone.now():
                state = "expired"
            used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "never"
            self.stdout.write(f"{t.pk}\t{t.name}\t{t.hint}…\t{t.scope}\t{state}\tlast used {used}")

    def _revoke(self, opts: dict[str, Any]) -> None:
        updated = ApiToken.objects.filter(pk=opts["id"], revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not updated:
            raise CommandError(f"No active token has the id {opts['id']}.")
        self.stdout.write(f"Token {opts['id']} revoked.")
