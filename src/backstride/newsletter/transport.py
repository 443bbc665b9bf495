"""Sending through Django's email backends, with a commit point for SMTP.

The SMTP server takes responsibility for a message when it gets the final "." of DATA,
so that is where the outbox records a message as *handed over*: ``data()`` calls the
``handover`` hook just before the dot (SQLite: an in-process commit, then the dot a few
microseconds later) or just after it (PostgreSQL: the mark is sent without waiting, see
``outbox._Marks``). A worker killed before the dot never completed the SMTP transaction
(the server discards it) and its row is retried; a row with the mark is never sent again.

For other backends (django-anymail's HTTP APIs, console, locmem) the mark is written right
after the backend returns: an at-least-once window of one UPDATE.

While the SMTP server checks one message (after the final dot, before its answer) the
worker builds the next one (``Lookahead``), so both sides work at once on one connection.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from email._policybase import Compat32
from email.generator import BytesGenerator
from email.message import Message
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

# --------------------------------------------------------------------------- serialising


class _FastCompat32(Compat32):
    """Compat32 folding with a fast path for short ASCII headers (byte-identical output)."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and len(name) + len(value) + 2 <= (self.max_line_length or 78)
            and value.isascii()
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)  # type: ignore[misc]


_POLICY = _FastCompat32(linesep="\r\n")


def _set_boundaries(message: Message) -> None:
    """Pick multipart boundaries up front (the generator would compile a regex per part)."""
    texts = [str(p.get_payload()) for p in message.walk() if not p.is_multipart()]
    for part in message.walk():
        if part.is_multipart() and part.get_boundary() is None:
            while True:
                boundary = f"=_bs_{secrets.token_hex(16)}"
                if not any(boundary in text for text in texts):
                    break
            part.set_boundary(boundary)


def as_bytes(message: Message) -> bytes:
    """The bytes of ``message.as_bytes(linesep="\\r\\n")``, about twice as fast.

    Same output but for the multipart boundaries, which are random either way.
    """
    _set_boundaries(message)
    fp = io.BytesIO()
    BytesGenerator(fp, mangle_from_=False, policy=_POLICY).flatten(message, linesep="\r\n")
    return fp.getvalue()


# --------------------------------------------------------------------------- SMTP


class _CommitPointMixin:
    """``data()`` calls ``self.handover()`` after the body and before the final dot, then
    ``self.meanwhile()`` (which must not raise) before reading the server's answer."""

    handover: Callable[[], None] | None = None
    handover_after_dot = False
    meanwhile: Callable[[], None] | None = None
    end_of_data_sent = False
    in_data = False  # between "354" and the server's answer to the final dot

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        # Body and final dot go out as two writes; don't let Nagle hold the dot back.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock  # type: ignore[no-any-return]

    def data(self, msg: Any) -> tuple[int, bytes]:
        hook = self.handover
        if hook is None:
            return super().data(msg)  # type: ignore[misc,no-any-return]
        smtp: Any = self
        self.end_of_data_sent = False
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        self.in_data = True
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")  # type: ignore[attr-defined]
        body = smtplib._quote_periods(msg)  # type: ignore[attr-defined]
        if body[-2:] != b"\r\n":
            body += b"\r\n"
        smtp.send(body)
        if not self.handover_after_dot:
            hook()  # the commit point: recorded as handed over
        smtp.send(b".\r\n")
        self.end_of_data_sent = True
        if self.handover_after_dot:
            hook()  # the mark is on its way, the answer is read later
        if self.meanwhile is not None:
            self.meanwhile()  # build the next email while the server checks this one
        answer = smtp.getreply()
        self.in_data = False
        return answer  # type: ignore[no-any-return]


class CommitPointSMTP(_CommitPointMixin, smtplib.SMTP):
    pass


class CommitPointSMTPSSL(_CommitPointMixin, smtplib.SMTP_SSL):
    pass


_backend_classes: dict[type, type] = {}


def _with_commit_point(cls: type) -> type:
    if cls not in _backend_classes:

        class Backend(cls):  # type: ignore[valid-type,misc]
            @property
            def connection_class(self) -> type:
                return CommitPointSMTPSSL if self.use_ssl else CommitPointSMTP

        Backend.__name__ = f"CommitPoint{cls.__name__}"
        _backend_classes[cls] = Backend
    return _backend_classes[cls]


# --------------------------------------------------------------------------- sender


@dataclass
class Prepared:
    message: EmailMessage | None
    from_email: str = ""
    recipients: tuple[str, ...] = ()
    data: bytes = b""


class Uncertain(Exception):
    """The message was handed over, then the connection failed before the server's answer."""


class Sender:
    """One connection for one batch."""

    def __init__(self, connection: Any) -> None:
        if isinstance(connection, SMTPBackend):
            connection.__class__ = _with_commit_point(type(connection))
            self.smtp = True
        else:
            self.smtp = False
        self.connection = connection
        self._from: dict[tuple[str, str], str] = {}

    def open(self) -> None:
        self.connection.open()

    def close(self) -> None:
        smtp = getattr(self.connection, "connection", None) if self.smtp else None
        if smtp is not None and getattr(smtp, "in_data", False):
            # Stopped mid-DATA: a QUIT would become message text. Drop the socket; the
            # server discards the unfinished message.
            smtp.close()
            self.connection.connection = None
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            self.connection.close()

    def prepare_wire(self, wire: tuple[str, str, bytes]) -> Prepared:
        from_email, to, data = wire
        return Prepared(None, from_email, (to,), data)

    def prepare(self, message: EmailMessage) -> Prepared:
        """Serialise a Django email for sending (no database access)."""
        if not self.smtp:
            return Prepared(message)
        encoding = message.encoding or settings.DEFAULT_CHARSET
        key = (message.from_email, encoding)
        if key not in self._from:
            self._from[key] = sanitize_address(message.from_email, encoding)
        return Prepared(
            message,
            self._from[key],
            tuple(sanitize_address(a, encoding) for a in message.recipients()),
            as_bytes(message.message()),
        )

    def send(
        self,
        prepared: Prepared,
        handover: Callable[[], None],
        meanwhile: Callable[[], None] | None = None,
        *,
        after_dot: bool = False,
    ) -> None:
        """Send; ``handover`` is called at the commit point (SMTP) or after acceptance;
        ``meanwhile`` (SMTP only) while the server processes the message.

        Raises the transport's exception when the server refuses; ``Uncertain`` when the
        message was handed over but the answer was lost.
        """
        if not self.smtp:
            assert prepared.message is not None
            self.connection.send_messages([prepared.message])
            handover()
            return
        smtp = self.connection.connection
        if smtp is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        called = False

        def hook() -> None:
            nonlocal called
            handover()
            called = True

        smtp.handover = hook
        smtp.handover_after_dot = after_dot
        smtp.meanwhile = meanwhile
        try:
            smtp.sendmail(prepared.from_email, list(prepared.recipients), prepared.data)
        except smtplib.SMTPResponseException:
            raise  # the server answered: it did not take the message
        except Exception as exc:
            if called and smtp.end_of_data_sent:
                raise Uncertain(str(exc)) from exc
            raise
        finally:
            smtp.handover = smtp.meanwhile = None
            smtp.handover_after_dot = False


# --------------------------------------------------------------------------- lookahead


class Lookahead:
    """Prepares items by index, one ahead, capturing errors as values.

    The outbox builds email *n + 1* while the SMTP server is still checking email *n*
    (``meanwhile``), so the worker's and the server's work overlap on one connection,
    without threads.
    """

    def __init__(self, items: list[Any], prepare: Callable[[Any], Any]) -> None:
        self.items = items
        self.prepare = prepare
        self._ready: dict[int, Any] = {}

    def _build(self, index: int) -> Any:
        try:
            return self.prepare(self.items[index])
        except Exception as exc:  # handed to the caller, row by row
            return exc

    def warm(self, index: int) -> None:
        if index < len(self.items) and index not in self._ready:
            self._ready[index] = self._build(index)

    def get(self, index: int) -> Any:
        if index in self._ready:
            return self._ready.pop(index)
        return self._build(index)
