"""The IMAP client: the one place that talks to a mail server.

Read-only by design: messages are fetched with BODY.PEEK[] from a folder opened with
EXAMINE, so no flag changes unless the mailbox asks for \\Seen or a move afterwards.
"""

from __future__ import annotations

import imaplib
import ipaddress
import itertools
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

# What a broken network or server looks like to the collector.
IMAP_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes socket.timeout, ConnectionError, ssl.SSLError
    imaplib.IMAP4.error,
    EOFError,
)


# RFC 2177: a client should end an IDLE and start a new one at least every 29 minutes,
# because servers may log out a client that has been idle for 30.
IDLE_MAX_SECONDS = 29 * 60
# How often an IDLE wakes up to see whether it was asked to stop.
_IDLE_TICK_SECONDS = 0.5
_NEWS_RE = re.compile(rb"^\* (\d+) (EXISTS|RECENT)\b", re.IGNORECASE)


class ImapConfigError(ValueError):
    """The mailbox settings are incomplete or unsafe."""


class ImapError(Exception):
    """The server answered something the collector cannot work with."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str  # "ssl" | "starttls" | "none"
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = 30.0
    ca_file: str = ""

    def __post_init__(self) -> None:
        if not self.host:
            raise ImapConfigError(_("IMAP server host is missing"))
        if not self.username:
            raise ImapConfigError(_("IMAP user is missing"))
        if self.security not in ("ssl", "starttls", "none"):
            raise ImapConfigError(
                _("unknown IMAP security %(security)s") % {"security": repr(self.security)}
            )

    def __repr__(self) -> str:  # never show the password
        return (
            f"ImapConfig(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, folder={self.folder!r})"
        )


def parse_imap_url(url: str) -> ImapConfig:
    """imaps://user:pass@host:993/INBOX or imap://user:pass@host:143/INBOX."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ImapConfigError(_("IMAP_URL must start with imap:// or imaps://"))
    security = "ssl" if parts.scheme == "imaps" else "starttls"
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapConfig(
        host=parts.hostname or "",
        port=parts.port or (993 if security == "ssl" else 143),
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=folder,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    uidnext: int | None
    exists: int


_UID_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
# UIDs per size query: keeps each command line and its answer small.
_SIZES_PER_COMMAND = 5000


def _quote(folder: str) -> str:
    # imaplib sends strings verbatim; a folder with spaces or quotes must be quoted.
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def compact_uid_set(uids: Sequence[int]) -> str:
    """[1,2,3,7,9,10] -> "1:3,7,9:10" (keeps UID FETCH commands short)."""
    out: list[str] = []
    ordered = sorted(uids)
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        out.append(f"{start}:{prev}" if start != prev else str(start))
        start = prev = uid
    out.append(f"{start}:{prev}" if start != prev else str(start))
    return ",".join(out)


class _SocketReader:
    """Stands in for imaplib's ``sock.makefile("rb")`` on a connection that waits with IDLE.

    A file made by makefile() is unusable after one read times out ("cannot read from
    timed out object"), and its hidden buffer defeats select(). This one keeps whatever it
    has received when recv() times out, so IDLE can wait in short slices and still stop
    promptly.
    """

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = bytearray()

    def _fill(self, wanted: int = 65536) -> bool:
        chunk = self.sock.recv(max(wanted, 65536))
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def readline(self, limit: int = -1) -> bytes:
        scanned = 0
        while True:
            end = self.buffer.find(b"\n", scanned)
            if end >= 0:
                size = end + 1
                break
            if 0 <= limit <= len(self.buffer):
                size = limit
                break
            scanned = len(self.buffer)
            if not self._fill():
                size = len(self.buffer)  # connection closed: what is left, maybe b""
                break
        if limit >= 0:
            size = min(size, limit)
        line = bytes(self.buffer[:size])
        del self.buffer[:size]
        return line

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill(min(size - len(self.buffer), 1024 * 1024)):
                break
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def close(self) -> None:
        self.buffer.clear()  # the socket itself is closed by imaplib's shutdown()


class ImapClient:
    """A connection to one folder. Use as a context manager.

    ``watch=True`` prepares the connection for ``idle()``: reads that tolerate short
    timeouts, and TCP keepalive so a silently dropped connection is noticed while idle.
    """

    def __init__(self, config: ImapConfig, *, watch: bool = False):
        self.config = config
        self.conn: imaplib.IMAP4 | None = None
        self.readonly = True
        self.watch = watch
        self._idle_tags = itertools.count(1)

    def __enter__(self) -> ImapClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ssl_context(self) -> ssl.SSLContext:
        if self.config.ca_file:
            return ssl.create_default_context(cafile=self.config.ca_file)
        return ssl.create_default_context()

    def connect(self) -> None:
        cfg = self.config
        if cfg.security == "none" and not is_loopback(cfg.host):
            raise ImapConfigError(
                _(
                    "refusing to send the password in clear to %(host)s: "
                    "use SSL/TLS or STARTTLS for a server that is not on this machine"
                )
                % {"host": cfg.host}
            )
        if cfg.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                cfg.host, cfg.port, ssl_context=self._ssl_context(), timeout=cfg.timeout
            )
        else:
            conn = imaplib.IMAP4(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.security == "starttls" and "STARTTLS" in conn.capabilities:
                conn.starttls(ssl_context=self._ssl_context())
            elif not is_loopback(cfg.host):
                conn.shutdown()
                raise ImapConfigError(
                    _(
                        "%(host)s offers no STARTTLS: refusing to send the password in clear "
                        "to a non-local server (use imaps:// or SSL/TLS)"
                    )
                    % {"host": cfg.host}
                )
        if self.watch:
            _prepare_for_idle(conn)
        self.conn = conn
        try:
            conn.login(cfg.username, cfg.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapError(
                _("login failed for %(user)s: %(reason)s")
                % {"user": cfg.username, "reason": _text(exc)}
            ) from None

    def close(self) -> None:
        if self.conn is None:
            return
        conn, self.conn = self.conn, None
        try:
            conn.logout()
        except (*IMAP_ERRORS, AttributeError):
            try:
                conn.shutdown()
            except (*IMAP_ERRORS, AttributeError):
                pass

    def _drop(self) -> None:
        """Forget a connection left in an unknown state (e.g. in the middle of an IDLE)."""
        if self.conn is None:
            return
        conn, self.conn = self.conn, None
        try:
            conn.shutdown()
        except (*IMAP_ERRORS, AttributeError):
            pass

    def capabilities(self) -> set[str]:
        """What the server offers once logged in (some servers list more than before)."""
        assert self.conn is not None
        typ, data = self.conn.capability()
        if typ != "OK":
            raise ImapError(_("CAPABILITY failed: %(reason)s") % {"reason": _text(data)})
        return {word.upper() for word in _text(data).split()}

    def idle(self, *, timeout: float, stop: threading.Event | None = None) -> bool:
        """Wait with IDLE (RFC 2177) in the open folder until the server reports a new
        message (True), or ``timeout`` seconds pass or ``stop`` is set (False).

        The IDLE always ends with DONE and its tagged OK, so the connection can go on;
        ``timeout`` is capped at IDLE_MAX_SECONDS. Needs ``watch=True`` and an open folder.
        A connection error, or the server saying BYE, raises (the connection is dropped).
        """
        assert self.conn is not None and self.watch
        if stop is not None and stop.is_set():
            return False
        conn = self.conn
        tag = b"idle%d" % next(self._idle_tags)  # lower case: never one of imaplib's tags
        deadline = time.monotonic() + min(timeout, IDLE_MAX_SECONDS)
        news = False
        try:
            conn.send(tag + b" IDLE\r\n")
            while True:  # until "+ idling"; updates may come first
                line = self._read_line()
                if line.startswith(b"+"):
                    break
                if line.startswith(tag + b" "):
                    raise ImapError(_("IDLE refused: %(reason)s") % {"reason": _text(line.strip())})
                news = news or _is_news(line)
            while not news and not (stop is not None and stop.is_set()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                line = self._read_line_within(min(remaining, _IDLE_TICK_SECONDS))
                news = line is not None and _is_news(line)
            conn.send(b"DONE\r\n")
            while True:
                line = self._read_line()
                if line.startswith(tag + b" "):
                    if not line[len(tag) + 1 :].upper().startswith(b"OK"):
                        raise ImapError(
                            _("IDLE failed: %(reason)s") % {"reason": _text(line.strip())}
                        )
                    return news
                news = news or _is_news(line)
        except BaseException:
            self._drop()
            raise

    def _read_line(self) -> bytes:
        assert self.conn is not None
        line = self.conn.readline()
        if not line:
            raise imaplib.IMAP4.abort(_("the server closed the connection"))
        if line[:5].upper() == b"* BYE":
            raise imaplib.IMAP4.abort(_text(line[5:].strip()) or "BYE")
        return line

    def _read_line_within(self, seconds: float) -> bytes | None:
        """One response line, or None if ``seconds`` pass first (nothing is lost)."""
        assert self.conn is not None
        sock = self.conn.sock
        sock.settimeout(seconds)
        try:
            return self._read_line()
        except TimeoutError:
            return None
        finally:
            sock.settimeout(self.config.timeout)

    def open_folder(self, *, readonly: bool = True) -> FolderState:
        assert self.conn is not None
        self.readonly = readonly
        typ, data = self.conn.select(_quote(self.config.folder), readonly=readonly)
        if typ != "OK":
            raise ImapError(
                _("cannot open folder %(folder)s: %(reason)s")
                % {"folder": self.config.folder, "reason": _text(data)}
            )
        exists = int(data[0] or 0)
        uidvalidity = self._untagged_int("UIDVALIDITY")
        if uidvalidity is None:
            raise ImapError(_("server did not report UIDVALIDITY"))
        return FolderState(uidvalidity, self._untagged_int("UIDNEXT"), exists)

    def status(self) -> tuple[int | None, int | None]:
        """(UIDVALIDITY, UIDNEXT) of the folder without opening it: a cheap "anything new?"."""
        assert self.conn is not None
        typ, data = self.conn.status(_quote(self.config.folder), "(UIDVALIDITY UIDNEXT)")
        if typ != "OK":
            raise ImapError(
                _("cannot read folder %(folder)s: %(reason)s")
                % {"folder": self.config.folder, "reason": _text(data)}
            )
        text = b" ".join(d for d in data if isinstance(d, bytes))
        validity = re.search(rb"UIDVALIDITY (\d+)", text)
        uidnext = re.search(rb"UIDNEXT (\d+)", text)
        return (
            int(validity.group(1)) if validity else None,
            int(uidnext.group(1)) if uidnext else None,
        )

    def _untagged_int(self, name: str) -> int | None:
        assert self.conn is not None
        _typ, data = self.conn.response(name)
        if data and data[0]:
            try:
                return int(data[0])
            except ValueError:
                return None
        return None

    def uids_after(self, last_uid: int) -> list[int]:
        assert self.conn is not None
        # "N:*" always matches the highest UID, even when it is below N: filter.
        typ, data = self.conn.uid("SEARCH", f"UID {last_uid + 1}:*")
        if typ != "OK":
            raise ImapError(_("UID SEARCH failed: %(reason)s") % {"reason": _text(data)})
        uids = [int(x) for x in b" ".join(d for d in data if d).split()]
        return sorted(u for u in uids if u > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """UID -> size in bytes (RFC822.SIZE) for each UID still on the server: read
        before any body is fetched, so a huge message is never downloaded by surprise."""
        assert self.conn is not None
        found: dict[int, int] = {}
        for start in range(0, len(uids), _SIZES_PER_COMMAND):
            chunk = uids[start : start + _SIZES_PER_COMMAND]
            typ, data = self.conn.uid("FETCH", compact_uid_set(chunk), "(UID RFC822.SIZE)")
            if typ != "OK":
                raise ImapError(_("UID FETCH failed: %(reason)s") % {"reason": _text(data)})
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                uid, size = _UID_RE.search(line), _SIZE_RE.search(line)
                if uid and size:
                    found[int(uid.group(1))] = int(size.group(1))
        wanted = set(uids)
        return {u: n for u, n in found.items() if u in wanted}

    def fetch_headers(self, uids: Sequence[int], max_bytes: int) -> Iterator[tuple[int, bytes]]:
        """(uid, header block) for each UID, at most ``max_bytes`` of it; never sets \\Seen."""
        return self._fetch(uids, f"(UID BODY.PEEK[HEADER]<0.{int(max_bytes)}>)")

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """(uid, raw bytes) for each UID still on the server, in UID order."""
        return self._fetch(uids, "(UID BODY.PEEK[])")

    def _fetch(self, uids: Sequence[int], what: str) -> Iterator[tuple[int, bytes]]:
        assert self.conn is not None
        if not uids:
            return iter(())
        typ, data = self.conn.uid("FETCH", compact_uid_set(uids), what)
        if typ != "OK":
            raise ImapError(_("UID FETCH failed: %(reason)s") % {"reason": _text(data)})
        found: dict[int, bytes] = {}
        for item in data:
            # Literal responses come as (b'12 (UID 34 BODY[] {567}', b'...raw...');
            # unsolicited FLAGS updates as plain bytes, which carry no body.
            if isinstance(item, tuple) and len(item) == 2:
                match = _UID_RE.search(item[0])
                if match:
                    found[int(match.group(1))] = item[1]
        wanted = set(uids)
        return iter(sorted((u, raw) for u, raw in found.items() if u in wanted))

    def append(self, folder: str, data: bytes, flags: str = r"(\Seen)") -> None:
        """Store a message in a folder (e.g. a copy of what we sent in "Sent")."""
        assert self.conn is not None
        typ, response = self.conn.append(_quote(folder), flags, None, data)
        if typ != "OK" and "TRYCREATE" in _text(response).upper():
            self.conn.create(_quote(folder))  # the folder did not exist yet
            typ, response = self.conn.append(_quote(folder), flags, None, data)
        if typ != "OK":
            raise ImapError(
                _("cannot store the message in %(folder)s: %(reason)s")
                % {"folder": folder, "reason": _text(response)}
            )

    def mark_seen(self, uids: Sequence[int]) -> None:
        assert self.conn is not None and not self.readonly
        if uids:
            self.conn.uid("STORE", compact_uid_set(uids), "+FLAGS.SILENT", r"(\Seen)")

    def move(self, uids: Sequence[int], folder: str) -> None:
        assert self.conn is not None and not self.readonly
        if not uids:
            return
        uid_set = compact_uid_set(uids)
        if "MOVE" in self.conn.capabilities:
            typ, data = self.conn.uid("MOVE", uid_set, _quote(folder))
        else:
            typ, data = self.conn.uid("COPY", uid_set, _quote(folder))
            if typ == "OK":
                self.conn.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
                self.conn.expunge()
        if typ != "OK":
            raise ImapError(
                _("cannot move messages to %(folder)s: %(reason)s")
                % {"folder": folder, "reason": _text(data)}
            )


def _is_news(line: bytes) -> bool:
    """``* n EXISTS`` (a message arrived) or ``* n RECENT`` with n > 0."""
    match = _NEWS_RE.match(line)
    if match is None:
        return False
    return match.group(2).upper() == b"EXISTS" or int(match.group(1)) > 0


def _prepare_for_idle(conn: imaplib.IMAP4) -> None:
    # Called before LOGIN, when the server is waiting for us: makefile()'s buffer is empty.
    old = conn.file
    conn.file = _SocketReader(conn.sock)  # type: ignore[assignment]
    old.close()
    sock = conn.sock
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 20), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, option):  # Linux; elsewhere the system defaults apply
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, BaseException) and value.args:
        return _text(value.args[0])
    return str(value)


def describe_error(exc: BaseException) -> str:
    """A one-line reason for last_error and the admin."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return _("timeout talking to the IMAP server")
    if isinstance(exc, ConnectionRefusedError):
        return _("connection refused by the IMAP server")
    if isinstance(exc, ssl.SSLError):
        return _("TLS error: %(reason)s") % {"reason": exc.reason or exc}
    return f"{type(exc).__name__}: {_text(exc)}"
