"""The SMTP client: delivers prebuilt messages over one connection and keeps the replies.

Django's mail backend configured by EMAIL_URL opens the connection (SSL, STARTTLS, AUTH);
the transaction itself is done here with smtplib's MAIL/RCPT/DATA so that the server's
answer to each message is kept, and so that a failure *during* DATA (the one moment where
we cannot know whether the server took the message) is told apart from the others.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.translation import gettext as _

from sender.mime import PLAIN_ADDRESS

# A line of content starting with a dot gets a second one (RFC 5321 4.5.2), as smtplib does.
_LEADING_DOT = re.compile(rb"(?m)^\.")


class DeliveryError(Exception):
    """One message was not delivered. `temporary` says whether to try again later;
    `uncertain` that the server may have taken it (a failure in the middle of DATA)."""

    def __init__(self, reply: str, *, temporary: bool, uncertain: bool = False):
        super().__init__(reply)
        self.reply = reply
        self.temporary = temporary
        self.uncertain = uncertain


class ConnectionFailed(Exception):
    """The server could not be reached or refused the session (nothing was sent)."""


@dataclass
class Delivered:
    reply: str  # the server's answer to DATA, e.g. "250 2.0.0 Ok: queued as 4F2"
    refused: dict[str, str]  # recipients refused while others were accepted


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _is_temporary(code: int) -> bool:
    return 400 <= code < 500


class Sender:
    """Use as a context manager; `send` one message at a time."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.smtp: smtplib.SMTP | None = None
        # DATA answered 354 in a pipelined `begin`: the server waits for the content
        self.data_open = False

    def __enter__(self) -> Sender:
        self.open()
        return self

    def reopen(self) -> None:
        self._close()
        self.smtp = None
        self.open()

    def _close(self) -> None:
        """End the session. While the server waits for a pipelined DATA's content a QUIT
        would be read as content: then the socket is just closed (no final dot, nothing
        delivered)."""
        if self.data_open:
            self.data_open = False
            with contextlib.suppress(OSError):
                self.smtp.close()
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.backend.close()

    def open(self) -> None:
        if isinstance(self.backend, SmtpBackend):
            try:
                self.backend.open()
            except (OSError, smtplib.SMTPException) as exc:
                # a session that failed half-way (e.g. at AUTH) still holds its socket
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    self.backend.close()
                raise ConnectionFailed(_describe(exc)) from exc
            self.smtp = self.backend.connection
        else:
            self.backend.open()

    def __exit__(self, *exc: object) -> None:
        self._close()

    def send(self, *, sender: str, recipients: list[str], data: bytes, message) -> Delivered:
        """The whole transaction: `begin`, then `finish`."""
        refused = self.begin(sender=sender, recipients=recipients, data=data)
        return self.finish(data=data, message=message, refused=refused)

    def _refused(self, recipients: list[str], replies: list[tuple[int, bytes]]) -> dict[str, str]:
        """The recipients the server refused, from its answers to RCPT TO (in order; fewer
        answers than recipients when it closed the session). All refused: the transaction
        ends with a DeliveryError, temporary when every refusal was."""
        refused: dict[str, str] = {}
        codes = []
        for rcpt, (code, text) in zip(recipients, replies, strict=False):
            if code not in (250, 251):
                refused[rcpt] = _reply(code, text)
                codes.append(code)
        if len(refused) == len(recipients):
            self.reset()
            raise DeliveryError(
                "; ".join(f"{r}: {t}" for r, t in refused.items()),
                temporary=all(_is_temporary(c) for c in codes),
            )
        return refused

    def begin(
        self,
        *,
        sender: str,
        recipients: list[str],
        data: bytes,
        meanwhile: Callable[[], object] | None = None,
    ) -> dict[str, str]:
        """MAIL FROM and RCPT TO. Nothing can reach anyone yet. Returns the recipients
        refused while others were accepted. `meanwhile` is called once, while the server
        works on MAIL FROM (the caller's own work then costs no time of the exchange)."""
        if self.smtp is None:
            if meanwhile is not None:
                meanwhile()
            return {}
        smtp = self.smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
            if smtp.has_extn("smtputf8") and not data.isascii():
                options.append("SMTPUTF8")
            if smtp.has_extn("pipelining") and all(
                PLAIN_ADDRESS.fullmatch(address) for address in (sender, *recipients)
            ):
                return self._begin_pipelined(smtp, sender, recipients, options, meanwhile)
            code, text = _mail(smtp, sender, options, meanwhile)
            if code != 250:
                self.reset()
                raise DeliveryError(_reply(code, text), temporary=_is_temporary(code))
            refused = self._refused(recipients, [_rcpt(smtp, rcpt) for rcpt in recipients])
        except OSError as exc:  # includes SMTPServerDisconnected
            raise ConnectionFailed(_describe(exc)) from exc
        return refused

    def finish(self, *, data: bytes, message, refused: dict[str, str]) -> Delivered:
        """DATA: from here on the message may reach its recipients. `message` is the
        Django EmailMessage, used by non-SMTP backends (console, file) in trial runs."""
        if self.smtp is None:
            self.backend.send_messages([message])
            return Delivered(reply=f"accepted by {type(self.backend).__module__}", refused={})
        if self.data_open:
            return self._content(data, refused)
        try:
            code, text = self.smtp.data(data)
        except smtplib.SMTPDataError as exc:
            # DATA itself was refused: the content never left.
            self.reset()
            raise DeliveryError(
                _reply(exc.smtp_code, exc.smtp_error), temporary=_is_temporary(exc.smtp_code)
            ) from exc
        except OSError as exc:  # includes SMTPServerDisconnected
            raise _line_dropped(exc) from exc
        return self._accepted(code, text, refused)

    def _accepted(self, code: int, text: bytes, refused: dict[str, str]) -> Delivered:
        """The server's answer to the content's final dot: 250 is delivered."""
        if code != 250:
            self.reset()
            raise DeliveryError(_reply(code, text), temporary=_is_temporary(code))
        return Delivered(reply=_reply(code, text), refused=refused)

    def reset(self) -> None:
        """Abandon the transaction begun (RSET). After a pipelined DATA the server waits for
        the content, which only the end of the session stops: then a new session (nothing
        is delivered without the content's final dot). Raises ConnectionFailed when that
        new session cannot be opened."""
        if self.smtp is None:
            return
        if self.data_open:
            self.reopen()
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.smtp.rset()

    def _begin_pipelined(
        self,
        smtp: smtplib.SMTP,
        sender: str,
        recipients: list[str],
        options: list[str],
        meanwhile: Callable[[], object] | None,
    ) -> dict[str, str]:
        """`begin` with a server that offers PIPELINING (RFC 2920, as Postfix, Exim,
        Exchange and Gmail do): MAIL FROM, each RCPT TO and DATA leave in one write and
        their answers are read together, one round trip instead of two or more, and a
        second one saved in `finish`. Nothing can reach anyone yet: the server delivers
        only once the content and its final dot arrive (`_content`)."""
        if "SMTPUTF8" in options:  # offered by the server: as smtplib's mail() does
            smtp.command_encoding = "utf-8"
        smtp.send(
            f"MAIL FROM:<{sender}>{''.join(' ' + option for option in options)}\r\n"
            + "".join(f"RCPT TO:<{recipient}>\r\n" for recipient in recipients)
            + "DATA\r\n"
        )
        if meanwhile is not None:
            meanwhile()
        replies = []
        for _command in range(len(recipients) + 2):
            replies.append(smtp.getreply())
            if replies[-1][0] == 421:  # the server is closing the session: no more answers
                break
        self.data_open = len(replies) == len(recipients) + 2 and replies[-1][0] == 354
        code, text = replies[0]
        if code != 250:
            self.reset()
            raise DeliveryError(_reply(code, text), temporary=_is_temporary(code))
        refused = self._refused(recipients, replies[1:])
        code, text = replies[-1]
        if len(replies) < len(recipients) + 2:  # a 421 to a RCPT: the session ends
            self.reset()
            raise DeliveryError(_reply(code, text), temporary=True)
        if code != 354:
            self.reset()
            raise DeliveryError(_reply(code, text), temporary=_is_temporary(code))
        return refused

    def _content(self, data: bytes, refused: dict[str, str]) -> Delivered:
        """The content after a pipelined DATA, as smtplib's data() sends it (leading dots
        doubled, the final dot): from here on the message may reach its recipients."""
        self.data_open = False
        content = _LEADING_DOT.sub(b"..", data)
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        try:
            self.smtp.send(content + b".\r\n")
            code, text = self.smtp.getreply()
        except OSError as exc:  # includes SMTPServerDisconnected
            raise _line_dropped(exc) from exc
        return self._accepted(code, text, refused)


# smtplib's mail() and rcpt() quote each address through email.utils.parseaddr (some 25 µs
# each here, a twentieth of a worker's time per message); a plain one needs no parsing.


def _mail(
    smtp: smtplib.SMTP, sender: str, options: list[str], meanwhile: Callable[[], object] | None
) -> tuple[int, bytes]:
    if not PLAIN_ADDRESS.fullmatch(sender):
        reply = smtp.mail(sender, options)
        if meanwhile is not None:
            meanwhile()
        return reply
    if "SMTPUTF8" in options:  # offered by the server: as smtplib's mail() does
        smtp.command_encoding = "utf-8"
    smtp.putcmd("mail", f"FROM:<{sender}>{''.join(' ' + option for option in options)}")
    if meanwhile is not None:
        meanwhile()
    return smtp.getreply()


def _rcpt(smtp: smtplib.SMTP, recipient: str) -> tuple[int, bytes]:
    if not PLAIN_ADDRESS.fullmatch(recipient):
        return smtp.rcpt(recipient)
    smtp.putcmd("rcpt", f"TO:<{recipient}>")
    return smtp.getreply()


def _line_dropped(exc: OSError) -> DeliveryError:
    """The connection failed after the content began to leave: the message may have
    reached the server before the line dropped, so nobody may send it again blindly."""
    return DeliveryError(_describe(exc), temporary=True, uncertain=True)


def _describe(exc: BaseException) -> str:
    """What went wrong, for the message's last error (shown to staff)."""
    if isinstance(exc, ConnectionRefusedError):
        return _("connection refused by the SMTP server")
    if isinstance(exc, TimeoutError):
        return _("timeout talking to the SMTP server")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _("SMTP login refused: %(reply)s") % {"reply": _reply(exc.smtp_code, exc.smtp_error)}
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return f"{type(exc).__name__}: {exc}"
