"""A real SMTP server for tests, recording every message it accepts.

``SmtpServer`` runs aiosmtpd's ``Controller`` (an asyncio loop in a daemon thread) on
127.0.0.1, on a free port picked at the first ``start()`` and kept across ``stop()``/``start()``
(so settings handed to the code under test stay valid after a simulated outage).

What it does:

* Records every accepted message as a ``ReceivedMessage``: envelope sender and recipients, the
  exact DATA bytes (after dot-unstuffing, CRLF line ends, as the client sent them), the peer,
  the AUTH login and whether the session was under TLS. ``messages`` is a snapshot (a copy
  taken under a lock); ``wait_for(n)`` blocks until ``n`` messages are there.
* Advertises SIZE (64 MiB), 8BITMIME, SMTPUTF8 and PIPELINING (as Postfix, Exim, Exchange
  and Gmail do; ``pipelining=False`` leaves it out); DATA stays bytes (``decode_data=False``).
* ``auth={"user": "password"}``: AUTH PLAIN and LOGIN; MAIL before AUTH gets ``530``, wrong
  credentials ``535``. AUTH is offered only under TLS unless ``require_tls_for_auth=False``.
  Without ``auth`` no AUTH is advertised and any AUTH command gets ``502``.
* ``starttls=True``: STARTTLS with a certificate for ``localhost``, ``127.0.0.1`` and ``::1``
  issued by a throw-away CA (``ca_file``; same generator as the Dovecot server's).
  ``implicit_tls=True``: SMTPS, TLS from the first byte (Django's ``EMAIL_USE_SSL``,
  ``smtp+ssl://``).
* Failure injection: ``fail_next()`` (the next n transactions), ``fail_always()`` (one
  recipient, or all), ``set_delay()`` (slow reply to the end of DATA). After a ``421`` reply
  the server closes the connection, as real servers do and as smtplib expects.
* ``connections`` counts SMTP sessions opened (the controller's own start-up probe is not
  counted).
* ``max_sessions=n``: at most n sessions at a time; one more is greeted with ``421 4.7.0 Too
  many concurrent connections`` and closed, as Postfix's and Exchange's limits do
  (``refused_sessions`` counts them; they are not in ``connections``).
* ``stop()`` aborts open sessions, closes the listener and joins the loop thread: no thread is
  left behind.

Verifying the certificate from Django's SMTP backend (Django 5.2,
``django.core.mail.backends.smtp.EmailBackend.ssl_context``, a ``cached_property``)::

    if self.ssl_certfile or self.ssl_keyfile:          # EMAIL_SSL_CERTFILE / _KEYFILE
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, but loads NO CA at all
        ctx.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
    else:
        ctx = ssl.create_default_context()             # system CAs (honours SSL_CERT_FILE)

So the backend always verifies the server (hostname included) and never reads a CA file from
settings. Ways to make it trust ``server.ca_file``:

1. Per connection (works in both branches): set the cached property before the connection
   opens: ``conn = get_connection(...); conn.ssl_context = server.client_ssl_context()``.
2. ``CAFileEmailBackend`` below: Django's backend plus an ``ssl_cafile`` keyword/
   ``EMAIL_SSL_CAFILE`` setting; usable as ``EMAIL_BACKEND``, keeps the client certificate.
3. Process-wide, only without a client certificate: ``SSL_CERT_FILE=server.ca_file`` in the
   environment (``monkeypatch.setenv``) before the backend's ``ssl_context`` is first read (at
   ``open()``). OpenSSL reads it on each ``create_default_context()``; it *replaces* the system
   bundle for every default context created meanwhile.

With a client certificate, option 3 does not help (that context never loads CAs), so such a
backend fails against every server, this one and public ones alike, until 1 or 2 is used.

Example::

    with SmtpServer() as server:
        with smtplib.SMTP(server.host, server.port) as client:
            client.sendmail("a@example.org", ["b@example.org"], b"Subject: hi\\r\\n\\r\\nhi\\r\\n")
        assert server.wait_for(1)[0].message()["Subject"] == "hi"
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import email
import email.policy
import hmac
import logging
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import (
    MISSING,
    SMTP,
    AuthResult,
    Envelope,
    LoginPassword,
    Session,
    TLSSetupException,
)
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.utils.functional import cached_property

__all__ = [
    "DATA_SIZE_LIMIT",
    "HOST",
    "CAFileEmailBackend",
    "ReceivedMessage",
    "SmtpServer",
    "free_port_with_nothing_listening",
]

HOST = "127.0.0.1"
DATA_SIZE_LIMIT = 64 * 1024 * 1024  # advertised as SIZE; big attachments must get through
STAGES = ("MAIL", "RCPT", "DATA")

log = logging.getLogger(__name__)


def _drop_login_data_warning(record: logging.LogRecord) -> bool:
    # aiosmtpd 1.4 itself sets the deprecated Session.login_data after every successful AUTH
    # and then warns about it on its "mail.log" logger; that line is noise in test output.
    return not str(record.msg).startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_drop_login_data_warning)


# --------------------------------------------------------------------------------------------
# What the server records


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the exact DATA bytes as received (after dot-unstuffing)
    peer: tuple
    authenticated_as: str | None  # login name if AUTH was used
    tls: bool  # True if the session had done STARTTLS (or is implicit TLS)
    mail_options: list[str] = field(default_factory=list)  # e.g. ["SIZE=1234", "SMTPUTF8"]
    received_at: float = field(default_factory=time.time)  # when DATA was accepted

    def message(self) -> EmailMessage:
        """``data`` parsed with ``email.policy.default``.

        Line ends are turned from the wire's CRLF into the ``\\n`` Python's email package uses
        internally, so ``get_content()`` returns text as it was composed ("Hello.\\n").
        """
        return email.message_from_bytes(
            self.data.replace(b"\r\n", b"\n"), policy=email.policy.default
        )


# --------------------------------------------------------------------------------------------
# Ports and certificates

_RESERVED_SOCKETS: list[socket.socket] = []
_RESERVED_LOCK = threading.Lock()


@atexit.register
def _release_reserved_ports() -> None:
    with _RESERVED_LOCK:
        while _RESERVED_SOCKETS:
            _RESERVED_SOCKETS.pop().close()


def free_port_with_nothing_listening() -> int:
    """A port on 127.0.0.1 where connecting fails with "connection refused".

    The port stays bound (without ``listen()``) by this process until it exits, so nothing
    else can start listening on it in the meantime; Linux refuses connections to such a port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    with _RESERVED_LOCK:
        _RESERVED_SOCKETS.append(sock)
    return sock.getsockname()[1]


_TLS_FILES: tuple[Path, Path, Path] | None = None
_TLS_LOCK = threading.Lock()


def _tls_files() -> tuple[Path, Path, Path]:
    """(ca.pem, cert.pem, key.pem), generated once per process, deleted at exit."""
    global _TLS_FILES
    with _TLS_LOCK:
        if _TLS_FILES is None:
            from testing.dovecot import _write_certificates

            tls_dir = Path(tempfile.mkdtemp(prefix="mailflow-smtp-tls-"))
            atexit.register(_remove_dir, tls_dir)
            _TLS_FILES = _write_certificates(tls_dir)
        return _TLS_FILES


def _remove_dir(path: Path) -> None:
    for child in path.iterdir():
        child.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.rmdir()


def _server_ssl_context() -> ssl.SSLContext:
    _ca, cert, key = _tls_files()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# --------------------------------------------------------------------------------------------
# A Django backend that can trust a private CA


class CAFileEmailBackend(EmailBackend):
    """Django's SMTP backend, also trusting the CA file ``ssl_cafile`` (or EMAIL_SSL_CAFILE).

    Verification stays on (hostname included); the client certificate, if configured, is kept.
    """

    def __init__(self, *args: Any, ssl_cafile: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ssl_cafile = (
            getattr(settings, "EMAIL_SSL_CAFILE", None) if ssl_cafile is None else ssl_cafile
        )

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ssl_cafile or None)
        if self.ssl_certfile or self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context


# --------------------------------------------------------------------------------------------
# aiosmtpd plumbing (everything here runs in the server's loop thread)


@dataclass
class _Failure:
    code: int
    text: str
    at: str
    recipient: str | None = None
    remaining: int | None = None  # None: every time (fail_always)

    @property
    def reply(self) -> str:
        return f"{self.code} {self.text}"

    def matches(self, recipients: list[str]) -> bool:
        if self.recipient is None:
            return True
        return any(_same_address(self.recipient, rcpt) for rcpt in recipients)


def _same_address(a: str, b: str) -> bool:
    return a.strip("<>").casefold() == b.strip("<>").casefold()


def _validate_failure(code: int, at: str) -> None:
    if not 400 <= code <= 599:
        raise ValueError(f"code must be a 4xx or 5xx SMTP reply code, not {code}")
    if at not in STAGES:
        raise ValueError(f"at must be one of {STAGES}, not {at!r}")


class _Envelope(Envelope):
    def __init__(self) -> None:
        super().__init__()
        self.rcpt_failure: str | None = None  # a fail_next("RCPT") taken by this transaction


class _Protocol(SMTP):
    """aiosmtpd's SMTP session, reporting opens/closes to the SmtpServer."""

    def __init__(
        self, handler: _Handler, *, auth_require_tls: bool, implicit_tls: bool, **kwargs: Any
    ) -> None:
        # Passing auth_require_tls=False straight to aiosmtpd makes it warn ("Requiring AUTH
        # while not requiring TLS") on every connection; set the attribute it reads instead.
        # Under implicit TLS there is no STARTTLS for aiosmtpd to see, so it must be off too.
        super().__init__(handler, auth_require_tls=True, **kwargs)
        self._auth_require_tls = auth_require_tls and not implicit_tls
        self._owner = handler.owner

    def _create_envelope(self) -> Envelope:
        return _Envelope()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        opening = self.transport is None  # a second call comes after STARTTLS
        self._refused = opening and not self._probe and not self._owner._session_allowed()
        super().connection_made(transport)
        if opening and not self._refused and not self._probe:
            self._owner._sessions.add(self)

    async def _handle_client(self) -> None:
        if self._refused:  # over max_sessions: a 421 greeting, then the door closes
            await self.push("421 4.7.0 Too many concurrent connections, try again later")
            self.close_after_reply()
            return
        await super()._handle_client()

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self._owner._sessions.discard(self)

    def close_after_reply(self) -> None:
        """Close the connection once the reply being sent now is flushed (used after 421)."""

        def close() -> None:
            if self.transport is not None:
                self.transport.close()

        self.loop.call_soon(close)


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_exception(self, error: Exception) -> str:
        # Replaces aiosmtpd's log.exception(): failed TLS handshakes are expected in tests
        # (clients that do not trust the CA) and would print tracebacks into the output.
        self.owner._record_error(error)
        if isinstance(error, TLSSetupException):
            log.info("TLS handshake failed: %r", error.__cause__)
        else:
            log.warning("SMTP session error", exc_info=error)
        return f"500 Error: ({error.__class__.__name__}) {error}"

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list
    ) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to the hook when there is one
        if self.owner._auth is None:
            responses = [r for r in responses if not r[4:].upper().startswith("AUTH")]
        if self.owner.pipelining:  # aiosmtpd reads commands in order, as many as come
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_AUTH(
        self, server: SMTP, session: Session, envelope: Envelope, args: list[str]
    ) -> Any:
        if self.owner._auth is None:
            return "502 5.5.1 AUTH not available"
        return MISSING

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> Any:
        failure = self.owner._take_failure("MAIL", [])
        if failure is None:
            return MISSING
        return _reply(server, failure.reply)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: _Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> Any:
        if envelope.rcpt_failure is not None:
            return _reply(server, envelope.rcpt_failure)
        failure = self.owner._permanent_failure("RCPT", [address])
        if failure is None:
            failure = self.owner._take_failure("RCPT", [address], counted_only=True)
            if failure is not None:
                envelope.rcpt_failure = failure.reply  # the rest of this transaction too
        if failure is None:
            return MISSING
        return _reply(server, failure.reply)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        owner = self.owner
        failure = owner._take_failure("DATA", envelope.rcpt_tos)
        delay, record_first = owner._delay
        if failure is not None:
            if delay:
                await asyncio.sleep(delay)
            return _reply(server, failure.reply)
        transport = server.transport
        received = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            peer=tuple(session.peer or ()),
            authenticated_as=session.auth_data if session.authenticated else None,
            tls=transport is not None and transport.get_extra_info("ssl_object") is not None,
            mail_options=list(envelope.mail_options),
        )
        if record_first:
            number = owner._record(received)
            if delay:
                await asyncio.sleep(delay)
        else:
            if delay:
                await asyncio.sleep(delay)  # cancelled (not recorded) if the client goes away
            number = owner._record(received)
        return f"250 2.0.0 Ok: queued as {number}"


def _reply(server: SMTP, reply: str) -> str:
    if reply.startswith("421"):
        server.close_after_reply()
    return reply


class _Controller(Controller):
    """aiosmtpd's Controller, binding port 0 if asked and building our _Protocol."""

    def __init__(
        self,
        owner: SmtpServer,
        handler: _Handler,
        port: int,
        ssl_context: ssl.SSLContext | None,
        smtp_kwargs: dict[str, Any],
    ) -> None:
        super().__init__(handler, hostname=HOST, port=port, ssl_context=ssl_context)
        self._owner = owner
        self._smtp_kwargs = smtp_kwargs

    def factory(self) -> SMTP:
        protocol = _Protocol(self.handler, loop=self.loop, **self._smtp_kwargs)
        protocol._probe = not self._owner._connection_accepted()
        return protocol

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]  # the real port when asked for 0
        return server


# --------------------------------------------------------------------------------------------
# The server


class SmtpServer:
    """An aiosmtpd SMTP server on 127.0.0.1 that records what it accepts (see module doc)."""

    host: str = HOST

    def __init__(
        self,
        *,
        auth: dict[str, str] | None = None,
        starttls: bool = False,
        require_tls_for_auth: bool = True,
        implicit_tls: bool = False,
        max_sessions: int | None = None,
        pipelining: bool = True,
    ) -> None:
        if starttls and implicit_tls:
            raise ValueError("starttls and implicit_tls are mutually exclusive")
        self._auth = dict(auth) if auth is not None else None
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.require_tls_for_auth = require_tls_for_auth
        self.port = 0  # the real port after the first start()
        self._cond = threading.Condition()  # guards everything below
        self._messages: list[ReceivedMessage] = []
        self._errors: list[Exception] = []
        self._connections = 0
        self._skip_probe = False
        self._failures: list[_Failure] = []
        self._delay: tuple[float, bool] = (0.0, True)
        self._sessions: set[_Protocol] = set()  # loop thread only
        self.max_sessions = max_sessions
        self.pipelining = pipelining
        self._refused_sessions = 0
        self._controller: _Controller | None = None
        self._lifecycle = threading.Lock()
        self._handler = _Handler(self)

    # ---- lifecycle

    @property
    def is_running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Start listening (no-op if running). Reuses the port of a previous start."""
        with self._lifecycle:
            if self._controller is not None:
                return
            smtp_kwargs: dict[str, Any] = {
                "hostname": "localhost",  # else aiosmtpd calls socket.getfqdn() per connection
                "data_size_limit": DATA_SIZE_LIMIT,
                "enable_SMTPUTF8": True,
                "decode_data": False,
                "tls_context": _server_ssl_context() if self.starttls else None,
                "auth_required": self._auth is not None,
                # Without auth, let AUTH reach handle_AUTH (502) even before STARTTLS.
                "auth_require_tls": self.require_tls_for_auth and self._auth is not None,
                "authenticator": self._authenticate,
                "implicit_tls": self.implicit_tls,
            }
            controller = _Controller(
                self,
                self._handler,
                self.port,
                _server_ssl_context() if self.implicit_tls else None,
                smtp_kwargs,
            )
            with self._cond:
                self._skip_probe = True  # Controller.start() connects once to check readiness
            try:
                controller.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    controller.stop(no_assert=True)
                if not controller.loop.is_running() and not controller.loop.is_closed():
                    controller.loop.close()
                raise
            finally:
                with self._cond:
                    self._skip_probe = False
            if controller._thread is not None:
                controller._thread.name = f"mailflow-smtp-{controller.port}"
            self.port = controller.port
            self._controller = controller

    def stop(self) -> None:
        """Abort open sessions, stop listening and join the loop thread (no-op if stopped)."""
        with self._lifecycle:
            controller, self._controller = self._controller, None
            if controller is None:
                return
            try:
                future = asyncio.run_coroutine_threadsafe(
                    self._close_sessions(controller), controller.loop
                )
                future.result(timeout=10)
            except Exception:
                log.exception("closing the SMTP sessions of %s:%s", self.host, self.port)
            controller.stop()

    async def _close_sessions(self, controller: _Controller) -> None:
        if controller.server is not None:
            controller.server.close()  # no new connections
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.abort()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while self._sessions and loop.time() < deadline:
            await asyncio.sleep(0.005)

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<SmtpServer {self.host}:{self.port} {state}, {len(self._messages)} messages>"

    # ---- what clients need

    @property
    def ca_file(self) -> str:
        """PEM of the CA that issued the server certificate (same for every SmtpServer)."""
        return str(_tls_files()[0])

    def client_ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only ``ca_file``."""
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def user(self) -> str | None:
        """The first AUTH user, if any."""
        return next(iter(self._auth), None) if self._auth else None

    @property
    def password(self) -> str | None:
        return self._auth[self.user] if self._auth and self.user is not None else None

    def email_url(self, user: str | None = None, password: str | None = None) -> str:
        """A django-environ EMAIL_URL for this server (smtp://, smtps:// = STARTTLS, smtp+ssl://).

        Credentials default to the first AUTH user.
        """
        scheme = "smtp+ssl" if self.implicit_tls else "smtps" if self.starttls else "smtp"
        user = self.user if user is None else user
        password = self.password if password is None else password
        credentials = ""
        if user:
            credentials = quote(user, safe="") + ":" + quote(password or "", safe="") + "@"
        return f"{scheme}://{credentials}{self.host}:{self.port}"

    # ---- recorded data

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot (copy) of the messages recorded so far, oldest first."""
        with self._cond:
            return list(self._messages)

    @property
    def errors(self) -> list[Exception]:
        """Exceptions raised inside SMTP sessions (e.g. TLSSetupException when a client
        rejected the certificate), oldest first; ``clear()`` empties it."""
        with self._cond:
            return list(self._errors)

    @property
    def connections(self) -> int:
        """SMTP sessions opened since creation (or the last ``clear()``)."""
        with self._cond:
            return self._connections

    @property
    def refused_sessions(self) -> int:
        """Sessions refused with 421 for being over ``max_sessions``."""
        with self._cond:
            return self._refused_sessions

    def clear(self) -> None:
        """Forget recorded messages and errors, reset ``connections``; failures and delay stay."""
        with self._cond:
            self._messages.clear()
            self._errors.clear()
            self._connections = 0
            self._refused_sessions = 0

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages are recorded; return the snapshot.

        Raises TimeoutError if they do not arrive within ``timeout`` seconds.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._messages)} of {count} messages arrived at {self.host}:"
                    f"{self.port} within {timeout}s"
                )
            return list(self._messages)

    # ---- failure injection

    def fail_next(
        self, n: int, code: int = 421, text: str = "4.3.0 Try again later", at: str = "DATA"
    ) -> None:
        """The next ``n`` transactions get ``code text`` at stage ``at`` ("MAIL", "RCPT", "DATA").

        At RCPT, a transaction that takes the failure gets it for every one of its recipients.
        At DATA the reply comes after the message data (nothing is recorded). A 421 reply
        closes the connection. Use 5xx codes for permanent failures (550 "5.1.1 No such user").
        """
        _validate_failure(code, at)
        if n < 1:
            raise ValueError("n must be at least 1")
        with self._cond:
            self._failures.append(_Failure(code, text, at, remaining=n))

    def fail_always(
        self, code: int, text: str, at: str = "RCPT", recipient: str | None = None
    ) -> None:
        """Reply ``code text`` at ``at`` every time, for ``recipient`` only or for everyone.

        At DATA with a recipient, transactions including that recipient fail. ``recipient``
        makes no sense at MAIL (no recipients yet) and is refused there.
        """
        _validate_failure(code, at)
        if recipient is not None and at == "MAIL":
            raise ValueError("recipient cannot be used with at='MAIL'")
        with self._cond:
            self._failures.append(_Failure(code, text, at, recipient=recipient))

    def set_delay(self, seconds: float, *, record_first: bool = True) -> None:
        """Wait ``seconds`` before replying to the end of DATA (0 turns it off).

        ``record_first=True`` (default): the message is recorded before the wait, like an MTA
        that has queued the message but whose reply is slow, so a client that times out or
        dies meanwhile still finds it recorded (the duplicate-on-retry case).
        ``record_first=False``: recorded only after the wait, and not at all if the client
        disconnects during it.
        """
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._cond:
            self._delay = (float(seconds), record_first)

    def clear_failures(self) -> None:
        """Remove every fail_next/fail_always rule and the delay."""
        with self._cond:
            self._failures.clear()
            self._delay = (0.0, True)

    # ---- called from the loop thread

    def _connection_accepted(self) -> bool:
        """Count a session; False for the controller's start-up probe (not counted)."""
        with self._cond:
            if self._skip_probe:
                self._skip_probe = False
                return False
            self._connections += 1
            return True

    def _session_allowed(self) -> bool:
        """Whether one more session fits under max_sessions (else it is refused)."""
        if self.max_sessions is None or len(self._sessions) < self.max_sessions:
            return True
        with self._cond:
            self._connections -= 1
            self._refused_sessions += 1
        return False

    def _record_error(self, error: Exception) -> None:
        with self._cond:
            self._errors.append(error)

    def _record(self, received: ReceivedMessage) -> int:
        with self._cond:
            self._messages.append(received)
            self._cond.notify_all()
            return len(self._messages)

    def _permanent_failure(self, at: str, recipients: list[str]) -> _Failure | None:
        with self._cond:
            for failure in self._failures:
                if failure.remaining is None and failure.at == at and failure.matches(recipients):
                    return failure
        return None

    def _take_failure(
        self, at: str, recipients: list[str], *, counted_only: bool = False
    ) -> _Failure | None:
        """The failure for this stage, if any; a fail_next one is consumed."""
        if not counted_only:
            failure = self._permanent_failure(at, recipients)
            if failure is not None:
                return failure
        with self._cond:
            for failure in self._failures:
                if failure.remaining is not None and failure.at == at:
                    failure.remaining -= 1
                    if failure.remaining == 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if self._auth is None or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode("utf-8", "replace")
        expected = self._auth.get(login)
        if expected is not None and hmac.compare_digest(data.password, expected.encode()):
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)
