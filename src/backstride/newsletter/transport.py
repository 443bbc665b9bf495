"""Django's SMTP backend with a commit point at the final "." of DATA.

An SMTP server takes responsibility for a message when it receives the final "." of DATA.
The outbox records a message as sent exactly there, so a worker killed at any moment sends
each message once: :class:`CommitPointSMTP` splits the one write that carries the body and
the dot, and calls ``at_dot`` just before the dot (SQLite: an in-process commit, then the
dot microseconds later) or just after it (PostgreSQL: the UPDATE leaves for the database
microseconds after the dot, and the database commits it even if the worker dies while
waiting for the reply). Everything else is Django's ``EmailBackend.send_messages()``.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from typing import Any

from django.core.mail.backends.smtp import EmailBackend

_END_OF_DATA = b"\r\n.\r\n"


class _CommitPoint:
    """Calls ``at_dot`` once, around the final "." of the next message's DATA."""

    at_dot: Callable[[], None] | None = None
    after_dot = False  # call it just after the dot (True) or just before it (False)
    dot_sent = False  # the server has the whole message; only its answer is outstanding

    def send(self, s: Any) -> None:
        hook = self.at_dot
        if hook is None or not isinstance(s, bytes) or not s.endswith(_END_OF_DATA):
            super().send(s)  # type: ignore[misc]
            return
        self.at_dot = None
        if self.after_dot:
            super().send(s)  # type: ignore[misc]
            self.dot_sent = True
            hook()
            return
        super().send(s[:-3])  # type: ignore[misc]
        hook()
        super().send(s[-3:])  # type: ignore[misc]
        self.dot_sent = True


class CommitPointSMTP(_CommitPoint, smtplib.SMTP):
    pass


class CommitPointSMTPSSL(_CommitPoint, smtplib.SMTP_SSL):
    pass


class CommitPointBackend(EmailBackend):
    """Django's SMTP backend (same settings), speaking through :class:`CommitPointSMTP`."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:  # type: ignore[override]
        return CommitPointSMTPSSL if self.use_ssl else CommitPointSMTP

    def open(self) -> bool | None:
        opened = super().open()
        if self.connection is not None and self.connection.sock is not None:
            # Body and dot may go out as two writes: don't let Nagle hold the dot back.
            self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return opened

    def expect_dot(self, hook: Callable[[], None], *, after_dot: bool) -> None:
        """Call ``hook`` at the commit point of the next message sent."""
        smtp = self.connection
        if not isinstance(smtp, _CommitPoint):
            raise smtplib.SMTPServerDisconnected("not connected")
        smtp.at_dot, smtp.after_dot, smtp.dot_sent = hook, after_dot, False

    def dot_sent(self) -> bool:
        """Whether the last message's final "." reached the socket."""
        return isinstance(self.connection, _CommitPoint) and self.connection.dot_sent

    def abort(self) -> None:
        """Drop the connection without QUIT (which, mid-DATA, would become message text);
        the server discards an unfinished message."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
