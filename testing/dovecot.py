"""A real Dovecot IMAP server for tests and benchmarks.

``DovecotServer`` runs ``dovecot -F -c CONFIG`` from a private temporary directory with its own
configuration, users, mail, certificates, sockets and log. Nothing system-wide is read or
changed, and no system Dovecot service is needed (only the ``dovecot`` binaries, Debian package
``dovecot-imapd``).

Layout of the work directory::

    dovecot.conf      generated configuration (rewritten on every start)
    dovecot.log       Dovecot's own log (see ``log_tail()``)
    tls/              ca.pem (``ca_file``), cert.pem + key.pem (the server's certificate)
    users/<user>      one passwd-file per account ({PLAIN.b64} password)
    mail/<user>/      home of each account; mail in Maildir++ (``mail/<user>/Maildir``)
    run/, state/      Dovecot's base_dir and state_dir
    owner.pid         PID of the creating Python process (default work directories only)

Two listeners on 127.0.0.1, both on free ports picked at construction time and kept across
``stop()``/``start()`` (so URLs handed to the code under test stay valid after an outage):

* ``port``: plain IMAP. STARTTLS is offered only with ``DovecotServer(starttls=True)``.
* ``ssl_port``: IMAPS (implicit TLS), always on. The certificate is issued by a throw-away CA
  (``ca_file``) for ``localhost`` and ``127.0.0.1``, so
  ``ssl.create_default_context(cafile=server.ca_file)`` verifies it.

When run as root, mail is owned by the ``mail`` user (Dovecot refuses uid 0) and the helper
processes run as the ``dovecot``/``dovenull`` users created by the Debian package. When run as
an ordinary user, everything runs as that user. The work directory must be traversable by
those users, which is why the default is a fresh ``mailflow-dovecot-*`` directory (a pytest
``tmp_path`` is not: its parents are mode 0700). It goes to $MAILFLOW_DOVECOT_TMPDIR if set,
else to /dev/shm when that is a tmpfs with at least 2 GiB free (bulk appends are 3-10x faster
and less noisy than on disk), else to the system temp dir. ``close()`` (also run at exit)
deletes it; directories left by a killed process are removed by the next ``DovecotServer()``.

Dovecot runs in its own process group and gets SIGTERM if the Python process that started it
dies (PR_SET_PDEATHSIG, set only when started from the main thread), so no stray ``dovecot``
survives a crashed or killed test run.

Example::

    with DovecotServer() as server:
        account = server.new_account()
        uid = server.append(account, b"Subject: hi\\r\\n\\r\\nhello\\r\\n")
        assert server.flags(account, uid) == set()
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import ctypes
import datetime as dt
import grp
import imaplib
import ipaddress
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = [
    "Account",
    "DovecotError",
    "DovecotServer",
    "dovecot_unavailable_reason",
    "find_dovecot",
]

HOST = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
IMAP_TIMEOUT = 60.0

# Dovecot answers a multi-message APPEND (MULTIAPPEND, RFC 3502) as one transaction; these caps
# keep each transaction (and the bytes sent before reading its reply) reasonably small.
_BULK_MAX_MESSAGES = 2000
_BULK_MAX_BYTES = 16 * 1024 * 1024

_USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+@-]{0,63}$")
_APPENDUID_RE = re.compile(rb"\[APPENDUID (\d+) ([0-9:,]+)\]", re.IGNORECASE)
_FLAGS_RE = re.compile(rb"FLAGS \(([^)]*)\)", re.IGNORECASE)
_UID_RE = re.compile(rb"UID (\d+)", re.IGNORECASE)
_CRLF_RE = re.compile(rb"\r\n|\r|\n")

# Index and UID-list files Dovecot rebuilds from the maildir files when they are missing.
_INDEX_FILE_PREFIXES = ("dovecot-uidlist", "dovecot.index", "dovecot.list.index")

_PR_SET_PDEATHSIG = 1
_SHM_DIR = "/dev/shm"
_WORKDIR_PREFIX = "mailflow-dovecot-"
_OWNER_FILE = "owner.pid"  # PID of the Python process that created a default work directory
_SHM_MIN_FREE = 2 * 1024**3  # Docker's default 64 MiB /dev/shm is too small for benchmarks


class DovecotError(RuntimeError):
    """Dovecot could not be started/stopped, or the server answered an IMAP command with NO/BAD."""


@dataclass(frozen=True)
class Account:
    user: str
    password: str


def find_dovecot() -> tuple[str, str] | None:
    """Paths of the ``dovecot`` and ``doveadm`` binaries, or None if Dovecot is not installed."""
    search_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])
    dovecot = shutil.which("dovecot", path=search_path)
    doveadm = shutil.which("doveadm", path=search_path)
    if dovecot is None or doveadm is None:
        return None
    return dovecot, doveadm


def dovecot_unavailable_reason() -> str | None:
    """Why a DovecotServer cannot run here, or None if it can."""
    if find_dovecot() is None:
        return (
            "Dovecot is not installed (no /usr/sbin/dovecot): "
            "run `apt-get install -y dovecot-imapd` (done by `make test`)"
        )
    if os.geteuid() == 0:
        for user in ("mail", "dovecot", "dovenull"):
            try:
                pwd.getpwnam(user)
            except KeyError:
                return f"system user {user!r} is missing (it comes with the dovecot-core package)"
    return None


# --------------------------------------------------------------------------------------------
# Small IMAP helpers


def encode_mailbox_name(name: str) -> str:
    """Modified UTF-7 (RFC 3501 section 5.1.3), as IMAP wants non-ASCII mailbox names."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            encoded = base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",")
            out.append(f"&{encoded}-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _quoted_mailbox(name: str) -> str:
    encoded = encode_mailbox_name(name).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{encoded}"'


def _is_inbox(folder: str) -> bool:
    return folder.upper() == "INBOX"


def _parse_uid_set(text: bytes) -> list[int]:
    uids: list[int] = []
    for part in text.decode("ascii").split(","):
        first, _, last = part.partition(":")
        lo, hi = int(first), int(last or first)
        if lo > hi:
            lo, hi = hi, lo
        uids.extend(range(lo, hi + 1))
    return uids


def _check(result: tuple[str, list], what: str) -> list:
    typ, data = result
    if typ != "OK":
        raise DovecotError(f"IMAP {what} failed: {typ} {data!r}")
    return data


def _flatten(data: list) -> bytes:
    parts = []
    for item in data:
        if isinstance(item, tuple):
            parts.extend(x for x in item if isinstance(x, bytes))
        elif isinstance(item, bytes):
            parts.append(item)
    return b" ".join(parts)


# --------------------------------------------------------------------------------------------
# Processes, ports, certificates


def _free_ports(count: int) -> list[int]:
    """Distinct ports that were free on 127.0.0.1 a moment ago (bind to port 0, then close)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _live_group_members(pgid: int) -> list[int]:
    """PIDs of non-zombie processes in process group ``pgid`` (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            members.append(int(entry))
    return members


def _default_parent_dir() -> str | None:
    """Where the default work directory goes: $MAILFLOW_DOVECOT_TMPDIR, else /dev/shm if it is
    a roomy tmpfs (mail on disk makes bulk appends 3-10x slower and noisy), else the temp dir.
    """
    if configured := os.environ.get("MAILFLOW_DOVECOT_TMPDIR"):
        return configured
    try:
        shm = os.statvfs(_SHM_DIR)
        mode = os.stat(_SHM_DIR).st_mode
    except OSError:
        return None
    roomy = shm.f_bavail * shm.f_frsize >= _SHM_MIN_FREE
    if roomy and mode & 0o1777 == 0o1777 and os.access(_SHM_DIR, os.W_OK | os.X_OK):
        return _SHM_DIR
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned_workdirs(parent: Path) -> None:
    """Delete default work directories left behind by killed test runs (their owning Python
    process is gone, and so is their Dovecot: it gets SIGTERM when its parent dies).
    Matters most for /dev/shm, which is memory.
    """
    with contextlib.suppress(OSError):
        for workdir in parent.glob(f"{_WORKDIR_PREFIX}*"):
            try:
                owner = int((workdir / _OWNER_FILE).read_text())
            except (OSError, ValueError):
                continue  # not one of ours, or being created right now
            try:
                master = int((workdir / "run" / "master.pid").read_text())
            except (OSError, ValueError):
                master = 0
            if _pid_alive(owner) or (master and _pid_alive(master)):
                continue
            shutil.rmtree(workdir, ignore_errors=True)


def _set_parent_death_signal() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _write_certificates(tls_dir: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for localhost/127.0.0.1 signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_path, cert_path, key_path = tls_dir / "ca.pem", tls_dir / "cert.pem", tls_dir / "key.pem"
    now = dt.datetime.now(dt.UTC)
    not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=825)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailflow test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    ca_path.write_bytes(ca_cert.public_bytes(pem))
    cert_path.write_bytes(cert.public_bytes(pem))
    key_bytes = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    return ca_path, cert_path, key_path


# --------------------------------------------------------------------------------------------
# The server

_OPEN_SERVERS: set[DovecotServer] = set()
_OPEN_SERVERS_LOCK = threading.Lock()
_account_counter = itertools.count(1)


@atexit.register
def _close_all_servers() -> None:
    with _OPEN_SERVERS_LOCK:
        servers = list(_OPEN_SERVERS)
    for server in servers:
        with contextlib.suppress(Exception):
            server.close()


class DovecotServer:
    """A private Dovecot instance on 127.0.0.1 (plain IMAP on ``port``, IMAPS on ``ssl_port``).

    Not started by the constructor: call ``start()`` (or use it as a context manager, which
    starts it and closes it on exit). ``stop()`` + ``start()`` keep ports, users and mail.
    """

    host: str
    port: int
    ssl_port: int
    ca_file: str

    def __init__(self, workdir: Path | None = None, starttls: bool = False) -> None:
        found = find_dovecot()
        if found is None:
            raise DovecotError(dovecot_unavailable_reason() or "Dovecot is not installed")
        self._dovecot_bin, self._doveadm_bin = found
        self.starttls = starttls
        self.host = HOST
        self._lock = threading.RLock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._ports_confirmed = False
        self._closed = False
        self._users: dict[str, Account] = {}

        if workdir is None:
            parent = _default_parent_dir()
            _remove_abandoned_workdirs(Path(parent or tempfile.gettempdir()))
            self.workdir = Path(tempfile.mkdtemp(prefix=_WORKDIR_PREFIX, dir=parent))
            (self.workdir / _OWNER_FILE).write_text(str(os.getpid()))
            self._owns_workdir = True
        else:
            self.workdir = Path(workdir).absolute()
            self.workdir.mkdir(parents=True, exist_ok=True)
            self._owns_workdir = False
        self._run_dir_tmp: Path | None = None
        try:
            self._setup_identity()
            self._setup_dirs()
            self.port, self.ssl_port = _free_ports(2)
        except BaseException:
            self._remove_dirs()
            raise
        with _OPEN_SERVERS_LOCK:
            _OPEN_SERVERS.add(self)

    # -- setup -------------------------------------------------------------------------------

    def _setup_identity(self) -> None:
        self._as_root = os.geteuid() == 0
        if self._as_root:
            mail = pwd.getpwnam("mail")
            self.mail_uid, self.mail_gid = mail.pw_uid, mail.pw_gid
            # System users created by the dovecot-core package.
            self._internal_user, self._login_user = "dovecot", "dovenull"
            pwd.getpwnam(self._login_user)
            internal_gid = pwd.getpwnam(self._internal_user).pw_gid
            self._internal_group = grp.getgrgid(internal_gid).gr_name
        else:
            me = pwd.getpwuid(os.geteuid())
            self.mail_uid, self.mail_gid = me.pw_uid, os.getegid()
            self._internal_user = self._login_user = me.pw_name
            self._internal_group = grp.getgrgid(os.getegid()).gr_name
        self._mail_user = pwd.getpwuid(self.mail_uid).pw_name
        self._mail_group = grp.getgrgid(self.mail_gid).gr_name

    def _setup_dirs(self) -> None:
        wd = self.workdir
        self._check_traversable(wd)
        wd.chmod(0o755)
        self.config_path = wd / "dovecot.conf"
        self.log_path = wd / "dovecot.log"
        self._stderr_path = wd / "dovecot.stderr"
        self._users_dir = wd / "users"
        self._mail_dir = wd / "mail"
        self._state_dir = wd / "state"
        run_dir = wd / "run"
        if len(str(run_dir)) > 60:  # unix socket paths are limited to 107 bytes
            self._run_dir_tmp = Path(tempfile.mkdtemp(prefix="dovecot-run-"))
            self._run_dir_tmp.chmod(0o755)
            run_dir = self._run_dir_tmp / "run"
        self._run_dir = run_dir
        for path in (self._users_dir, self._state_dir, self._mail_dir, wd / "tls"):
            path.mkdir(exist_ok=True)
            path.chmod(0o755)
        os.chown(self._mail_dir, self.mail_uid, self.mail_gid)
        tls = wd / "tls"
        if not all((tls / name).exists() for name in ("ca.pem", "cert.pem", "key.pem")):
            _write_certificates(tls)
        self.ca_file = str(tls / "ca.pem")
        self.cert_file = str(tls / "cert.pem")
        self.key_file = str(tls / "key.pem")
        for user_file in self._users_dir.iterdir():  # an existing workdir: keep its accounts
            line = user_file.read_text().split(":", 2)
            if len(line) == 3 and line[1].startswith("{PLAIN.b64}"):
                password = base64.b64decode(line[1][len("{PLAIN.b64}") :]).decode()
                self._users[line[0]] = Account(line[0], password)

    @staticmethod
    def _check_traversable(path: Path) -> None:
        if os.geteuid() != 0:
            return
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                raise DovecotError(
                    f"{parent} is not traversable by other users (mode {oct(mode & 0o777)}); "
                    "Dovecot's unprivileged processes need to reach the work directory. "
                    "Use the default workdir (a new directory under the system temp dir)."
                )

    def _render_config(self) -> str:
        plain_login = "imap-login" if self.starttls else "imap-login -o ssl=no"
        first_valid_uid = self.mail_uid if self._as_root else min(self.mail_uid, 500)
        return f"""\
# Generated by testing/dovecot.py - a private, throw-away Dovecot for tests.
base_dir = {self._run_dir}
state_dir = {self._state_dir}
log_path = {self.log_path}
protocols = imap
listen = {HOST}
shutdown_clients = yes
default_internal_user = {self._internal_user}
default_login_user = {self._login_user}
default_internal_group = {self._internal_group}
first_valid_uid = {first_valid_uid}
last_valid_uid = 0

ssl = yes
ssl_cert = <{self.cert_file}
ssl_key = <{self.key_file}

disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %u
auth_failure_delay = 0
auth_verbose = yes

mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Archive {{
    special_use = \\Archive
  }}
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self._users_dir}/%u
}}
userdb {{
  driver = static
  args = uid={self._mail_user} gid={self._mail_group} home={self._mail_dir}/%u
}}

protocol imap {{
  mail_max_userip_connections = 1000
}}

# Implicit TLS (IMAPS).
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.ssl_port}
    ssl = yes
  }}
}}
# Plain IMAP; "-o ssl=no" hides STARTTLS there (DovecotServer(starttls=False)).
service imap-login-plain {{
  executable = {plain_login}
  protocol = imap
  type = login
  user = $default_login_user
  chroot =
  inet_listener imap {{
    port = {self.port}
  }}
}}
service anvil {{
  chroot =
  # No authentication penalty: after a failed login, Dovecot would otherwise delay every
  # further login from 127.0.0.1 by 2-15 s (documented way to disable it).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Start Dovecot; returns once both ports accept connections and greet with ``* OK``."""
        with self._lock:
            if self._closed:
                raise DovecotError("this DovecotServer was closed")
            if self.is_running:
                return
            # Ports are picked free but not reserved: on the first start another process may
            # grab one in between (then pick new ones); after that they must stay the same, so
            # wait a little for them instead.
            attempts = 0
            deadline = time.monotonic() + 5.0
            while True:
                try:
                    self._start_once()
                except _PortInUse:
                    attempts += 1
                    if not self._ports_confirmed and attempts < 4:
                        self.port, self.ssl_port = _free_ports(2)
                    elif self._ports_confirmed and time.monotonic() < deadline:
                        time.sleep(0.2)
                    else:
                        raise DovecotError(
                            f"ports {self.port}/{self.ssl_port} are in use\n{self.log_tail()}"
                        ) from None
                else:
                    self._ports_confirmed = True
                    return

    def _start_once(self) -> None:
        self.config_path.write_text(self._render_config())
        with contextlib.suppress(FileNotFoundError):
            (self._run_dir / "master.pid").unlink()  # stale after a crash; blocks start-up
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        on_main_thread = threading.current_thread() is threading.main_thread()
        with open(self._stderr_path, "ab") as stderr:
            self._proc = subprocess.Popen(
                [self._dovecot_bin, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                cwd=self.workdir,
                start_new_session=True,  # own process group: stop() can reap every child
                # Kill Dovecot if this Python process dies without cleaning up. Only from the
                # main thread: the signal fires when the *thread* that started it exits.
                preexec_fn=_set_parent_death_signal if on_main_thread else None,
            )
        try:
            self._wait_until_ready(log_offset)
        except BaseException:
            self._terminate()
            raise

    def _wait_until_ready(self, log_offset: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        ready_plain = ready_ssl = False
        context = self.ssl_context()
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                new_log = self._read_log(log_offset) + self._stderr_path.read_text(errors="replace")
                if "Address already in use" in new_log:
                    raise _PortInUse
                raise DovecotError(
                    f"dovecot exited with status {self._proc.returncode} during start-up:\n"
                    f"{new_log[-4000:]}"
                )
            try:
                if not ready_plain:
                    ready_plain = self._greets(self.port, None)
                if ready_plain and not ready_ssl:
                    ready_ssl = self._greets(self.ssl_port, context)
            except OSError:
                pass
            if ready_plain and ready_ssl:
                return
            if time.monotonic() > deadline:
                raise DovecotError(
                    f"dovecot did not answer on {HOST}:{self.port}/{self.ssl_port} within "
                    f"{START_TIMEOUT:.0f}s:\n{self._read_log(log_offset)[-4000:]}"
                )
            time.sleep(0.02)

    def _greets(self, port: int, context: ssl.SSLContext | None) -> bool:
        with socket.create_connection((HOST, port), timeout=5) as raw:
            sock = context.wrap_socket(raw, server_hostname=HOST) if context else raw
            with sock:
                greeting = sock.makefile("rb").readline()
        return greeting.startswith(b"* OK")

    def stop(self) -> None:
        """Stop Dovecot and wait until it and all its child processes are gone.

        Connections are refused until ``start()``; users, mail and ports are kept.
        """
        with self._lock:
            self._terminate()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        pgid = proc.pid  # start_new_session=True: the master leads its own process group
        if proc.poll() is None:
            # SIGTERM to the whole group: every Dovecot process shuts down cleanly on its own
            # (sessions get "* BYE Server shutting down."). Signalling only the master works
            # too, but it then waits ~1 s for its children before exiting.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                proc.wait()
        # Children normally exit with the master; make sure none outlives it.
        deadline = time.monotonic() + STOP_TIMEOUT
        grace_until = time.monotonic() + 1.0
        while members := _live_group_members(pgid):
            if time.monotonic() > deadline:
                raise DovecotError(f"dovecot processes {members} did not exit")
            if time.monotonic() > grace_until:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
            time.sleep(0.02)

    @property
    def pids(self) -> list[int]:
        """PIDs of the running Dovecot master and its children (empty when stopped)."""
        proc = self._proc
        return _live_group_members(proc.pid) if proc is not None else []

    def close(self) -> None:
        """Stop Dovecot and delete the work directory (unless it was passed in by the caller)."""
        with self._lock:
            try:
                self._terminate()
            finally:
                self._closed = True
                self._remove_dirs()
                with _OPEN_SERVERS_LOCK:
                    _OPEN_SERVERS.discard(self)

    def _remove_dirs(self) -> None:
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._run_dir_tmp is not None:
            shutil.rmtree(self._run_dir_tmp, ignore_errors=True)

    def _read_log(self, offset: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(offset)
                return fh.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of Dovecot's log (useful in assertion messages)."""
        return "\n".join(self._read_log().splitlines()[-lines:])

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<DovecotServer {HOST}:{self.port} ssl:{self.ssl_port} {state} {self.workdir}>"

    # -- accounts ----------------------------------------------------------------------------

    def add_user(self, user: str, password: str) -> None:
        """Create an account with an empty INBOX; usable at once, no restart needed.

        ``user`` must match ``[A-Za-z0-9][A-Za-z0-9._+@-]*`` (it names files); the password may
        be any string.
        """
        if not _USER_RE.match(user):
            raise ValueError(f"unsupported IMAP user name {user!r}")
        with self._lock:
            if user in self._users:
                raise ValueError(f"user {user!r} already exists")
            home = self._mail_dir / user
            home.mkdir(mode=0o700)
            os.chown(home, self.mail_uid, self.mail_gid)
            # One passwd-file per user: Dovecot re-reads a passwd-file only when its mtime (in
            # seconds) or size changes, so appending to a shared file could go unnoticed.
            encoded = base64.b64encode(password.encode()).decode("ascii")
            tmp = self._users_dir / f".{user}.tmp"
            tmp.write_text(f"{user}:{{PLAIN.b64}}{encoded}::::::\n")
            tmp.chmod(0o644)
            tmp.rename(self._users_dir / user)
            self._users[user] = Account(user, password)

    def new_account(self) -> Account:
        """A new account with a unique user name and a random password."""
        account = Account(
            user=f"user{next(_account_counter)}-{secrets.token_hex(4)}",
            password=secrets.token_urlsafe(12),
        )
        self.add_user(account.user, account.password)
        return account

    @property
    def accounts(self) -> list[Account]:
        return list(self._users.values())

    def imap_url(self, account: Account, tls: str = "none", folder: str = "INBOX") -> str:
        """``imap://user:pass@127.0.0.1:PORT/INBOX``; ``tls="ssl"`` gives the ``imaps://`` URL."""
        credentials = f"{quote(account.user, safe='')}:{quote(account.password, safe='')}"
        path = quote(folder, safe="")
        if tls == "none":
            return f"imap://{credentials}@{HOST}:{self.port}/{path}"
        if tls == "ssl":
            return f"imaps://{credentials}@{HOST}:{self.ssl_port}/{path}"
        raise ValueError(f"tls must be 'none' or 'ssl', not {tls!r}")

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and verifies host names)."""
        return ssl.create_default_context(cafile=self.ca_file)

    # -- IMAP access -------------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self, account: Account, tls: str = "none") -> Iterator[imaplib.IMAP4]:
        """A logged-in ``imaplib`` connection; ``tls`` is "none", "ssl" or "starttls"."""
        conn: imaplib.IMAP4
        if tls == "ssl":
            conn = imaplib.IMAP4_SSL(
                HOST, self.ssl_port, ssl_context=self.ssl_context(), timeout=IMAP_TIMEOUT
            )
        elif tls in ("none", "starttls"):
            conn = imaplib.IMAP4(HOST, self.port, timeout=IMAP_TIMEOUT)
            if tls == "starttls":
                conn.starttls(ssl_context=self.ssl_context())
        else:
            raise ValueError(f"tls must be 'none', 'ssl' or 'starttls', not {tls!r}")
        try:
            # AUTHENTICATE PLAIN rather than LOGIN: works for any (UTF-8) password.
            secret = f"\0{account.user}\0{account.password}".encode()
            _check(conn.authenticate("PLAIN", lambda _challenge: secret), "AUTHENTICATE")
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()
            with contextlib.suppress(Exception):
                conn.shutdown()

    def create_folder(self, account: Account, folder: str) -> None:
        """Create ``folder`` (and its parents) unless it exists."""
        with self.connect(account) as conn:
            self._ensure_folder(conn, folder)

    @staticmethod
    def _ensure_folder(conn: imaplib.IMAP4, folder: str) -> None:
        if _is_inbox(folder):
            return
        typ, data = conn.create(_quoted_mailbox(folder))
        if typ != "OK" and b"ALREADYEXISTS" not in _flatten(data).upper():
            raise DovecotError(f"IMAP CREATE {folder!r} failed: {typ} {data!r}")

    def append(
        self,
        account: Account,
        raw: bytes,
        folder: str = "INBOX",
        flags: tuple[str, ...] = (),
    ) -> int:
        """APPEND one message over IMAP and return its UID (from APPENDUID).

        The folder is created if missing. Line endings are sent as CRLF (as imaplib does);
        Dovecot serves messages with CRLF line endings anyway.
        """
        with self.connect(account) as conn:
            self._ensure_folder(conn, folder)
            flag_list = f"({' '.join(flags)})" if flags else None
            data = _check(
                conn.append(_quoted_mailbox(folder), flag_list, None, raw),
                "APPEND",
            )
        match = _APPENDUID_RE.search(_flatten(data))
        if match is None:
            raise DovecotError(f"APPEND response without APPENDUID: {data!r}")
        return _parse_uid_set(match.group(2))[0]

    def append_many(
        self,
        account: Account,
        raws: Iterable[bytes],
        folder: str = "INBOX",
        flags: tuple[str, ...] = (),
    ) -> list[int]:
        """Bulk APPEND for benchmarks; returns the new UIDs in order.

        Uses one IMAP connection and MULTIAPPEND (RFC 3502) with non-synchronizing literals
        (LITERAL+, RFC 7888): each command carries up to 2,000 messages / 16 MiB, is streamed
        without waiting for continuation requests and is stored by Dovecot as one transaction
        (a real IMAP write path: indexes, UIDs and APPENDUID are Dovecot's own).
        """
        uids: list[int] = []
        with self.connect(account) as conn:
            self._ensure_folder(conn, folder)
            prefix = f"APPEND {_quoted_mailbox(folder)}".encode()
            flag_part = f" ({' '.join(flags)})".encode() if flags else b""
            batch: list[bytes] = []
            size = 0
            tags = (f"B{n:05d}".encode() for n in itertools.count(1))
            for raw in raws:
                message = _CRLF_RE.sub(b"\r\n", raw)
                batch.append(b"%s {%d+}\r\n%s" % (flag_part, len(message), message))
                size += len(message)
                if len(batch) >= _BULK_MAX_MESSAGES or size >= _BULK_MAX_BYTES:
                    uids += self._multiappend(conn, next(tags), prefix, batch)
                    batch, size = [], 0
            if batch:
                uids += self._multiappend(conn, next(tags), prefix, batch)
        return uids

    @staticmethod
    def _multiappend(
        conn: imaplib.IMAP4, tag: bytes, prefix: bytes, batch: list[bytes]
    ) -> list[int]:
        conn.send(b"".join([tag, b" ", prefix, *batch, b"\r\n"]))
        while True:
            line = conn.readline()
            if not line:
                raise DovecotError("connection closed during APPEND")
            if line.startswith(tag + b" "):
                break
        if not line[len(tag) + 1 :].upper().startswith(b"OK"):
            raise DovecotError(f"bulk APPEND failed: {line!r}")
        match = _APPENDUID_RE.search(line)
        if match is None:
            raise DovecotError(f"APPEND response without APPENDUID: {line!r}")
        uids = _parse_uid_set(match.group(2))
        if len(uids) != len(batch):
            raise DovecotError(f"APPENDUID lists {len(uids)} UIDs for {len(batch)} messages")
        return uids

    def flags(self, account: Account, uid: int, folder: str = "INBOX") -> set[str]:
        """The flags of message ``uid``, read with EXAMINE (never changes them).

        ``\\Recent`` is left out: it is a per-session flag, not a stored one.
        """
        with self.connect(account) as conn:
            _check(conn.select(_quoted_mailbox(folder), readonly=True), "EXAMINE")
            data = _check(conn.uid("FETCH", str(uid), "(FLAGS)"), "UID FETCH")
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid_match, flags_match = _UID_RE.search(line), _FLAGS_RE.search(line)
            if uid_match and flags_match and int(uid_match.group(1)) == uid:
                names = flags_match.group(1).decode().split()
                return {name for name in names if name.lower() != "\\recent"}
        raise LookupError(f"no message with UID {uid} in {folder!r} of {account.user}")

    def fetch(self, account: Account, uid: int, folder: str = "INBOX") -> bytes:
        """The full message ``uid`` via ``BODY.PEEK[]`` (does not set ``\\Seen``)."""
        with self.connect(account) as conn:
            _check(conn.select(_quoted_mailbox(folder), readonly=True), "EXAMINE")
            data = _check(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        raise LookupError(f"no message with UID {uid} in {folder!r} of {account.user}")

    def uids(self, account: Account, folder: str = "INBOX") -> list[int]:
        """All UIDs in ``folder``, ascending."""
        with self.connect(account) as conn:
            _check(conn.select(_quoted_mailbox(folder), readonly=True), "EXAMINE")
            data = _check(conn.uid("SEARCH", "ALL"), "UID SEARCH")
        return sorted(int(n) for n in _flatten(data).split())

    def uidvalidity(self, account: Account, folder: str = "INBOX") -> int:
        with self.connect(account) as conn:
            data = _check(conn.status(_quoted_mailbox(folder), "(UIDVALIDITY)"), "STATUS")
        match = re.search(rb"UIDVALIDITY (\d+)", _flatten(data), re.IGNORECASE)
        if match is None:
            raise DovecotError(f"STATUS without UIDVALIDITY: {data!r}")
        return int(match.group(1))

    def reset_uidvalidity(self, account: Account, folder: str = "INBOX") -> None:
        """Give ``folder`` a new UIDVALIDITY, keeping its messages (with new UIDs).

        Removes the folder's UID list and index files, which Dovecot rebuilds from the maildir
        files: the folder gets the next UIDVALIDITY of the account and its messages UIDs
        1..n (flags are kept: maildir stores them in the file names). Any open session of the
        account is disconnected first (``doveadm kick``), as a real server would drop clients
        of a rebuilt mailbox. Works while running or stopped; when running, the new
        UIDVALIDITY is in place (and checked) before this returns.
        """
        with self._lock:
            home = self._mail_dir / account.user / "Maildir"
            maildir = home if _is_inbox(folder) else home / self._maildir_name(folder)
            if not (maildir / "cur").is_dir():
                raise LookupError(f"folder {folder!r} of {account.user} does not exist")
            running = self.is_running
            old = self.uidvalidity(account, folder) if running else None
            if running:
                self._kick(account.user)
            doomed = [p for p in maildir.iterdir() if p.name.startswith(_INDEX_FILE_PREFIXES)]
            # The account's mailbox list index caches UIDVALIDITY (for STATUS) too.
            doomed += [p for p in home.iterdir() if p.name.startswith("dovecot.list.index")]
            for path in set(doomed):
                path.unlink()
            if running:
                new = self.uidvalidity(account, folder)
                if new == old:
                    raise DovecotError(f"UIDVALIDITY of {folder!r} did not change ({old})")

    def _kick(self, user: str) -> None:
        """Disconnect all sessions of ``user`` and wait until their processes are gone (a
        dying session could otherwise write back the index files we are about to delete)."""
        deadline = time.monotonic() + STOP_TIMEOUT
        # doveadm exits with 68 (EX_NOUSER) once anvil knows no session of the user.
        while self._doveadm("kick", user, ok_codes=(0, 68))[0] != 68:
            if time.monotonic() > deadline:
                raise DovecotError(f"sessions of {user} did not end after doveadm kick")
            time.sleep(0.02)

    @staticmethod
    def _maildir_name(folder: str) -> str:
        # Maildir++ layout with "/" as the IMAP hierarchy separator: "A/B" is stored as ".A.B".
        return "." + encode_mailbox_name(folder).replace("/", ".")

    def _doveadm(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[int, str]:
        result = subprocess.run(
            [self._doveadm_bin, "-c", str(self.config_path), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode not in ok_codes:
            raise DovecotError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.returncode, result.stdout


class _PortInUse(Exception):
    pass
