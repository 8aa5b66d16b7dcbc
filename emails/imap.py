"""The IMAP client: the one place that talks to a mail server.

Read-only by design: messages are fetched with BODY.PEEK[] from a folder opened with
EXAMINE, so no flag changes unless the mailbox asks for \\Seen or a move afterwards.
"""

from __future__ import annotations

import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# What a broken network or server looks like to the collector.
IMAP_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes socket.timeout, ConnectionError, ssl.SSLError
    imaplib.IMAP4.error,
    EOFError,
)


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
            raise ImapConfigError("IMAP server host is missing")
        if not self.username:
            raise ImapConfigError("IMAP user is missing")
        if self.security not in ("ssl", "starttls", "none"):
            raise ImapConfigError(f"unknown IMAP security {self.security!r}")

    def __repr__(self) -> str:  # never show the password
        return (
            f"ImapConfig(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, folder={self.folder!r})"
        )


def parse_imap_url(url: str) -> ImapConfig:
    """imaps://user:pass@host:993/INBOX or imap://user:pass@host:143/INBOX."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ImapConfigError("IMAP_URL must start with imap:// or imaps://")
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


class ImapClient:
    """A connection to one folder. Use as a context manager."""

    def __init__(self, config: ImapConfig):
        self.config = config
        self.conn: imaplib.IMAP4 | None = None
        self.readonly = True

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
                f"refusing to send the password in clear to {cfg.host}: "
                "use SSL/TLS or STARTTLS for a server that is not on this machine"
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
                    f"{cfg.host} offers no STARTTLS: refusing to send the password in clear "
                    "to a non-local server (use imaps:// or SSL/TLS)"
                )
        self.conn = conn
        try:
            conn.login(cfg.username, cfg.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapError(f"login failed for {cfg.username}: {_text(exc)}") from None

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

    def open_folder(self, *, readonly: bool = True) -> FolderState:
        assert self.conn is not None
        self.readonly = readonly
        typ, data = self.conn.select(_quote(self.config.folder), readonly=readonly)
        if typ != "OK":
            raise ImapError(f"cannot open folder {self.config.folder}: {_text(data)}")
        exists = int(data[0] or 0)
        uidvalidity = self._untagged_int("UIDVALIDITY")
        if uidvalidity is None:
            raise ImapError("server did not report UIDVALIDITY")
        return FolderState(uidvalidity, self._untagged_int("UIDNEXT"), exists)

    def status(self) -> tuple[int | None, int | None]:
        """(UIDVALIDITY, UIDNEXT) of the folder without opening it: a cheap "anything new?"."""
        assert self.conn is not None
        typ, data = self.conn.status(_quote(self.config.folder), "(UIDVALIDITY UIDNEXT)")
        if typ != "OK":
            raise ImapError(f"cannot read folder {self.config.folder}: {_text(data)}")
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
            raise ImapError(f"UID SEARCH failed: {_text(data)}")
        uids = [int(x) for x in b" ".join(d for d in data if d).split()]
        return sorted(u for u in uids if u > last_uid)

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """(uid, raw bytes) for each UID still on the server, in UID order."""
        assert self.conn is not None
        if not uids:
            return iter(())
        typ, data = self.conn.uid("FETCH", compact_uid_set(uids), "(UID BODY.PEEK[])")
        if typ != "OK":
            raise ImapError(f"UID FETCH failed: {_text(data)}")
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
            raise ImapError(f"cannot store the message in {folder}: {_text(response)}")

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
            raise ImapError(f"cannot move messages to {folder}: {_text(data)}")


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
        return "timeout talking to the IMAP server"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused by the IMAP server"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    return f"{type(exc).__name__}: {_text(exc)}"
