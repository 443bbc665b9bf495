"""Django's ``migrate``, refusing first, in words, a database stopped part-way through one of
0.1's migration chains (see :mod:`backstride.lib.upgrade`). Django would otherwise fail while
building the old state, with "Related model 'accounts.user' cannot be resolved"."""

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate

from backstride.lib.upgrade import refuse_half_applied_squashes


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        refuse_half_applied_squashes(options["database"])
        super().handle(*args, **options)
