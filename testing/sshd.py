"""Simulated lab computers for tests: one real OpenSSH ``sshd`` per machine.

``LabNetwork(count)`` starts ``count`` machines. Machine N listens on its own loopback address
``127.0.10.N`` (Linux routes all of 127.0.0.0/8 to ``lo``: nothing to configure); all machines of
a network share one port, picked free at start (so a system sshd on port 22, or another network
running at the same time, does not get in the way), which is ``network.port`` and
``machine.port``.

Each machine is an sshd in its own mount, UTS and PID namespaces (``unshare --mount --uts --pid
--fork``; sshd is the machine's PID 1), where these directories are private (bind mounts of the
machine's directory under the work directory, or fresh)::

    /etc        machine/etc       a copy of the host's /etc (cp -a), with the changes below
    /home       machine/home
    /root       machine/root
    /var/log    machine/var/log   empty lastlog, faillog, wtmp, btmp
    /var/mail   machine/var/mail
    /run        a fresh tmpfs     (logins never reach the host's logind, nscd, utmp or motd)
    /proc       a fresh procfs    (`ps`, `pkill -u`, userdel see this machine's processes only)

and the hostname is ``lab-NN``. sshd's children (sessions, ``sudo``, ``useradd``, ``chpasswd``,
...) inherit the namespaces, so an account created over SSH exists on that machine only, and a
password set over SSH is the one that machine's PAM checks. The host's files are never written
(the mounts exist only inside the namespaces and vanish with their last process); /tmp, the
rest of /var, /usr and the network stack are shared with the host. ``run_inside()`` runs a
command in the machine's namespaces (``nsenter``), e.g. to look at its accounts.

Changes made to each machine's /etc copy:

* the host's password hashes are replaced by ``*`` (no host password opens a lab machine) and
  the host's SSH host keys are removed; the machine gets its own ed25519 host key
  (``host_key_public``, ``host_key_fingerprint``) in /etc/ssh;
* /etc/ssh/sshd_config is replaced by the generated configuration (stock OpenSSH defaults,
  ``UsePAM yes``, ``PasswordAuthentication yes``, ``KbdInteractiveAuthentication no`` like
  Debian, ``PermitRootLogin prohibit-password``, ``StrictModes yes``);
* PAM: ``pam_loginuid`` becomes optional in pam.d/sshd (it needs CAP_AUDIT_CONTROL, often
  missing in containers, and would close every login), and ``pam_unix`` in common-auth gets
  ``nodelay`` (no ~2 s pause after a wrong password) unless ``fail_delay=True``;
* the admin account (``admin_user``, default ``labadmin``, with a home and /bin/bash) is created
  with ``useradd``; its public key is in /etc/ssh/authorized_keys/<user> (``AuthorizedKeysFile
  .ssh/authorized_keys /etc/ssh/authorized_keys/%u``, so users' own ~/.ssh/authorized_keys work
  too). With ``sudo=True`` it is in group ``sudo`` and has ``NOPASSWD: ALL`` in
  /etc/sudoers.d/mailflow-lab-admin. With ``admin_user="root"`` the key opens root directly;
* /etc/hostname and /etc/hosts name the machine ``lab-NN``.

Requirements: Linux, root, ``/usr/sbin/sshd`` (Debian package ``openssh-server``; no sshd service
needs to run, and a running one does no harm), ``unshare``/``nsenter``/``setpriv`` (util-linux)
and, for ``sudo=True``, ``sudo``. ``lab_unavailable_reason()`` says what is missing.

A machine is killed with everything inside if the Python process that started it dies
(``setpriv --pdeathsig``, only when started from the main thread). ``stop()``/``close()`` end
the machine's PID 1, so the kernel ends and reaps every process inside (sessions and the
commands they started, not just the listener). Work directories left by killed runs are
removed by the next ``LabNetwork()``. The work directory goes to $MAILFLOW_LAB_TMPDIR if set,
else to /dev/shm when it is a writable tmpfs with room for the /etc copies (about 4 MB each;
20 machines start in ~0.6 s there, 3-10 s on a slow disk), else to the system temp dir.

Example::

    with LabNetwork(3, sudo=True) as network:
        with network.connect(network.machines[0]) as client:  # admin key, host key pinned
            _, stdout, _ = client.exec_command("sudo useradd -m maria.souza")
            assert stdout.channel.recv_exit_status() == 0
        assert network.machines[0].run_inside("getent", "passwd", "maria.souza").returncode == 0
        assert network.machines[1].run_inside("getent", "passwd", "maria.souza").returncode == 2
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import grp
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # paramiko is imported lazily: importing this module stays cheap
    import paramiko

__all__ = [
    "LabError",
    "LabMachine",
    "LabNetwork",
    "find_lab_tools",
    "lab_unavailable_reason",
    "openssh_fingerprint",
]

SUBNET_PREFIX = "127.0.10."
MAX_ADDRESSES = 254  # 127.0.10.1 .. 127.0.10.254, machines first, then add_unreachable() & co.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
SSH_TIMEOUT = 10.0

_WORKDIR_PREFIX = "mailflow-lab-"
_OWNER_FILE = "owner.pid"
_SHM_DIR = "/dev/shm"
_USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,30}$")
_SUDOERS_FILE = "mailflow-lab-admin"
# Host paths hidden by each machine's private mounts: the work directory must not be below them.
_PRIVATE_PATHS = ("/etc", "/home", "/root", "/var/log", "/var/mail", "/run")
_SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
)


class LabError(RuntimeError):
    """A lab machine could not be set up, started or stopped."""


class _PortInUse(LabError):
    pass


# --------------------------------------------------------------------------------------------
# Availability


def find_lab_tools() -> dict[str, str | None]:
    """Paths of the programs LabNetwork uses (None where missing)."""
    names = ("sshd", "unshare", "nsenter", "mount", "cp", "useradd", "setpriv", "sudo")
    return {name: shutil.which(name, path=_SEARCH_PATH) for name in names}


@cache
def _namespace_probe() -> str | None:
    """Why private mount namespaces with bind and tmpfs mounts do not work here, or None."""
    try:
        result = subprocess.run(
            ["unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child",
             "--propagation", "private", "sh", "-c",
             "mount -t proc lab-probe /proc && mount -t tmpfs -o size=1m lab-probe /run"
             " && mount --bind /run /run && hostname lab-probe"],
            capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot create a private mount namespace: {exc}"
    if result.returncode != 0:
        return (
            "cannot create private mount/PID namespaces with proc, tmpfs and bind mounts "
            f"(unshare --mount: {result.stderr.strip() or result.returncode}); "
            "a container needs CAP_SYS_ADMIN"
        )
    try:
        with socket.socket() as sock:
            sock.bind((f"{SUBNET_PREFIX}1", 0))
    except OSError as exc:
        return f"cannot bind to {SUBNET_PREFIX}1 on the loopback interface: {exc}"
    return None


def lab_unavailable_reason(sudo: bool = False) -> str | None:
    """Why a LabNetwork (with ``sudo=True``: with sudo on the machines) cannot run here, or None."""
    if not os.path.isdir("/proc/self/ns"):
        return "lab machines need Linux namespaces (/proc/self/ns)"
    if os.geteuid() != 0:
        return "lab machines need root (mount namespaces, bind mounts, useradd inside them)"
    tools = find_lab_tools()
    if tools["sshd"] is None:
        return (
            "OpenSSH server is not installed (no /usr/sbin/sshd): "
            "run `apt-get install -y openssh-server` (done by `make test`)"
        )
    for name in ("unshare", "nsenter", "mount", "cp", "useradd"):
        if tools[name] is None:
            return f"`{name}` is not installed (util-linux / passwd / coreutils)"
    if sudo and tools["sudo"] is None:
        return "`sudo` is not installed: run `apt-get install -y sudo`"
    return _namespace_probe()


# --------------------------------------------------------------------------------------------
# Keys


def _ed25519_keypair(comment: str = "") -> tuple[str, str]:
    """A fresh ed25519 key: (private key in OpenSSH format, public key line)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} {comment}".strip()


def openssh_fingerprint(public_key_line: str) -> str:
    """``SHA256:...`` fingerprint of a public key line, as ``ssh-keygen -l`` prints it."""
    blob = base64.b64decode(public_key_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


# --------------------------------------------------------------------------------------------
# Processes and namespaces


def _mount_namespace(pid: int) -> str | None:
    """The private mount namespace of ``pid``; None if it has none (yet), i.e. it is still in
    ours: ``stop()`` signals every process of the namespace, which must never be the host's.
    """
    try:
        namespace = os.readlink(f"/proc/{pid}/ns/mnt")
        if namespace == os.readlink("/proc/self/ns/mnt"):
            return None
    except OSError:
        return None
    return namespace


def _namespace_members(namespace: str) -> list[int]:
    """PIDs of the live (non-zombie) processes in a mount namespace (``mnt:[inode]``)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/mnt") != namespace:
                continue
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        state = stat[stat.rfind(b")") + 2 :][:1]
        if state not in (b"Z", b"X"):
            members.append(int(entry))
    return members


def _child_pid(pid: int) -> int | None:
    """The (first) child process of ``pid``."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
    for entry in os.listdir("/proc"):  # kernels without CONFIG_PROC_CHILDREN
        with contextlib.suppress(OSError, ValueError):
            stat = Path(f"/proc/{entry}/stat").read_bytes()
            if entry.isdigit() and int(stat[stat.rfind(b")") + 2 :].split()[1]) == pid:
                return int(entry)
    return None


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not: containers' PID 1 may take long to reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :][:1] not in (b"Z", b"X")


@cache
def _etc_bytes() -> int:
    total = 0
    for directory, dirs, files in os.walk("/etc"):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(directory, name)).st_size
    return total


def _default_parent_dir(count: int) -> str | None:
    """$MAILFLOW_LAB_TMPDIR, else /dev/shm if it is a writable tmpfs with room for ``count``
    copies of /etc (copying to disk is 10-20x slower: 20 machines take 3-10 s instead of 0.5 s),
    else None (the system temp dir).
    """
    if configured := os.environ.get("MAILFLOW_LAB_TMPDIR"):
        return configured
    try:
        shm = os.statvfs(_SHM_DIR)
        mode = os.stat(_SHM_DIR).st_mode
    except OSError:
        return None
    needed = 2 * (count + 1) * _etc_bytes() + 64 * 1024**2
    roomy = shm.f_bavail * shm.f_frsize >= needed
    if roomy and mode & 0o1777 == 0o1777 and os.access(_SHM_DIR, os.W_OK | os.X_OK):
        return _SHM_DIR
    return None


def _remove_abandoned_workdirs(parent: Path) -> None:
    """Delete work directories of killed runs (owner process gone, and so are its machines)."""
    with contextlib.suppress(OSError):
        for workdir in parent.glob(f"{_WORKDIR_PREFIX}*"):
            try:
                owner = int((workdir / _OWNER_FILE).read_text())
            except (OSError, ValueError):
                continue  # not one of ours, or being created right now
            if not _pid_alive(owner):
                shutil.rmtree(workdir, ignore_errors=True)


def _run(args: list[str], what: str, timeout: float = 60.0) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise LabError(f"{what} failed ({result.returncode}): {result.stderr.strip()}")


def _group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return 0


# --------------------------------------------------------------------------------------------
# One machine


@dataclass(eq=False)
class LabMachine:
    """One simulated lab computer: an sshd on ``address``:``port`` with a private /etc and /home.

    ``etc_dir`` and ``home_dir`` are the host-side directories behind the machine's /etc and
    /home (readable while the machine runs or is stopped; deleted by ``LabNetwork.close()``).
    """

    address: str
    port: int
    host_key_public: str
    host_key_fingerprint: str
    etc_dir: Path
    home_dir: Path
    hostname: str
    root_dir: Path = field(repr=False)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _namespace: str | None = field(default=None, init=False, repr=False)
    _init_pid: int | None = field(default=None, init=False, repr=False)
    _log_offset: int = field(default=0, init=False, repr=False)
    _closed: bool = field(default=False, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    # -- state -------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """Host PID of the sshd listener, the machine's PID 1 (None when stopped)."""
        return self._init_pid if self.is_running else None

    @property
    def namespace(self) -> str | None:
        """The machine's mount namespace (``mnt:[inode]``) while it runs."""
        return self._namespace if self.is_running else None

    @property
    def pids(self) -> list[int]:
        """PIDs of every live process inside the machine (sshd, sessions, their commands)."""
        return _namespace_members(self._namespace) if self._namespace else []

    @property
    def log_path(self) -> Path:
        return self.root_dir / "sshd.log"

    @property
    def config_path(self) -> Path:
        """sshd's configuration (the machine's /etc/ssh/sshd_config)."""
        return self.etc_dir / "ssh" / "sshd_config"

    def known_hosts_line(self) -> str:
        host = self.address if self.port == 22 else f"[{self.address}]:{self.port}"
        return f"{host} {self.host_key_public}"

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of sshd's log (it runs with ``-e``, LogLevel VERBOSE)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<LabMachine {self.hostname} {self.address}:{self.port} {state}>"

    # -- commands inside ---------------------------------------------------------------------

    def run_inside(
        self,
        *args: str,
        input: str | None = None,
        check: bool = False,
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command as root inside this machine (its /etc, /home, /run, processes and
        hostname), e.g. ``run_inside("getent", "passwd", "maria.souza")``. The machine must be
        running. Returns the completed process (text output); ``check=True`` raises on failure.
        """
        pid = self.pid
        if pid is None:
            raise LabError(f"{self!r} is not running")
        return subprocess.run(
            ["nsenter", f"--target={pid}", "--mount", "--uts", "--pid", "--wd=/", "--", *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start sshd again after ``stop()`` (same address, port, host key and accounts)."""
        with self._lock:
            if self._closed:
                raise LabError(f"{self!r} belongs to a closed LabNetwork")
            if self.is_running:
                return
            deadline = time.monotonic() + 5.0
            while True:
                self._spawn()
                try:
                    self._wait_ready(time.monotonic() + START_TIMEOUT)
                    return
                except _PortInUse:
                    # Someone grabbed the port while we were down: wait a little for it.
                    self._terminate()
                    if time.monotonic() > deadline:
                        raise LabError(
                            f"{self.address}:{self.port} is in use\n{self.log_tail()}"
                        ) from None
                    time.sleep(0.2)

    def stop(self) -> None:
        """Stop sshd and every process inside the machine; connections are then refused.
        Files (accounts, homes) are kept for ``start()``.
        """
        with self._lock:
            self._terminate()

    def _write_config(self) -> None:
        self.config_path.write_text(
            f"""# Generated by testing/sshd.py for {self.hostname} (mailflow tests).
ListenAddress {self.address}:{self.port}
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys/%u
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
StrictModes yes
PrintMotd no
LogLevel VERBOSE
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
"""
        )

    def _mount_script(self) -> str:
        q = shlex.quote
        root = self.root_dir
        lines = [
            "set -e",
            # The machine's own process list: `ps`, `pkill -u`, userdel's "user is logged in"
            # check see only this machine, whose UIDs may mean other users elsewhere.
            "mount -t proc -o nosuid,nodev,noexec lab-proc /proc",
            f"mount --bind {q(str(self.etc_dir))} /etc",
            f"mount --bind {q(str(self.home_dir))} /home",
            f"mount --bind {q(str(root / 'root'))} /root",
            f"mount --bind {q(str(root / 'var' / 'log'))} /var/log",
        ]
        if os.path.isdir("/var/mail"):
            lines.append(f"mount --bind {q(str(root / 'var' / 'mail'))} /var/mail")
        lines += [
            "mount -t tmpfs -o mode=0755,nosuid,nodev,size=16m lab-run /run",
            "mkdir -m 0755 /run/sshd",
            "mkdir -m 1777 /run/lock",
            f"hostname {q(self.hostname)} 2>/dev/null || true",
            # The host-side config path (identical to /etc/ssh/sshd_config inside) makes the
            # listener findable with `pgrep -f WORKDIR`.
            f"exec {q(find_lab_tools()['sshd'] or '/usr/sbin/sshd')} -D -e"
            f" -f {q(str(self.config_path))}",
        ]
        return "\n".join(lines)

    def _spawn(self) -> None:
        self._write_config()
        # unshare forks (--fork) the machine's PID 1, which becomes sshd; unshare itself waits
        # for it, and if unshare dies its child gets SIGKILL (--kill-child).
        command = [
            "unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child",
            "--propagation", "private", "sh", "-c", self._mount_script(),
        ]  # fmt: skip
        # SIGKILL to unshare (and so to the whole machine) if this Python process dies without
        # cleaning up; not SIGTERM: unshare --fork blocks it. Only from the main thread: the
        # signal fires when the *thread* that started it exits.
        if threading.current_thread() is threading.main_thread() and shutil.which(
            "setpriv", path=_SEARCH_PATH
        ):
            command = ["setpriv", "--pdeathsig", "KILL", *command]
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._namespace = None
        self._init_pid = None
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd="/",
                start_new_session=True,
            )

    def _poll_ready(self) -> bool:
        """True once sshd listens; raises if it exited (``_PortInUse`` for a taken port)."""
        assert self._proc is not None
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._log_offset)
                new_log = fh.read().decode(errors="replace")
        except FileNotFoundError:
            new_log = ""
        if self._proc.poll() is not None:
            if "Address already in use" in new_log:
                raise _PortInUse(new_log)
            raise LabError(
                f"sshd of {self.hostname} exited with status {self._proc.returncode} during "
                f"start-up:\n{new_log[-4000:]}"
            )
        if f"Server listening on {self.address} port {self.port}." not in new_log:
            return False
        init = _child_pid(self._proc.pid)
        namespace = _mount_namespace(init) if init else None
        if init is None or namespace is None:
            raise LabError(f"cannot find the sshd process of {self.hostname}")
        self._init_pid, self._namespace = init, namespace
        return True

    def _wait_ready(self, deadline: float) -> None:
        while not self._poll_ready():
            if time.monotonic() > deadline:
                self._terminate()
                raise LabError(f"sshd of {self.hostname} did not start in time\n{self.log_tail()}")
            time.sleep(0.01)

    def _signal_stop(self) -> None:
        """Ask the machine to shut down (without waiting); ``_terminate()`` finishes the job."""
        proc, init = self._proc, self._init_pid
        if proc is None or proc.poll() is not None:
            return
        # When the machine's PID 1 (sshd) exits, the kernel kills and reaps every process in its
        # PID namespace (sessions, their commands): no orphans, no zombies. Before sshd runs,
        # PID 1 ignores SIGTERM, but unshare's SIGKILL (--kill-child) takes it down too.
        target, signum = (init, signal.SIGTERM) if init else (proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signum)

    def _terminate(self) -> None:
        proc = self._proc
        if proc is None:
            return
        namespace = self._namespace
        if namespace is None and proc.poll() is None:
            namespace = _mount_namespace(proc.pid)  # still starting up
        self._signal_stop()
        self._proc, self._init_pid, self._namespace = None, None, None
        deadline = time.monotonic() + STOP_TIMEOUT
        grace_until = time.monotonic() + 2.0
        while True:
            # Also anything that joined only the mount namespace (nsenter without --pid).
            members = _namespace_members(namespace) if namespace else []
            if proc.poll() is None and proc.pid not in members:
                members.append(proc.pid)
            if not members:
                break
            if time.monotonic() > deadline:
                raise LabError(f"processes {members} of {self.hostname} did not exit")
            if time.monotonic() > grace_until:
                _signal_all(members, signal.SIGKILL)
            time.sleep(0.01)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_TIMEOUT)


# --------------------------------------------------------------------------------------------
# The network


_OPEN_NETWORKS: set[LabNetwork] = set()
_OPEN_NETWORKS_LOCK = threading.Lock()


@atexit.register
def _close_all_networks() -> None:
    with _OPEN_NETWORKS_LOCK:
        networks = list(_OPEN_NETWORKS)
    for network in networks:
        with contextlib.suppress(Exception):
            network.close()


def _pick_port(addresses: list[str]) -> int:
    """A port that was free on every address a moment ago."""
    for _ in range(50):
        sockets: list[socket.socket] = []
        try:
            first = socket.socket()
            sockets.append(first)
            first.bind((addresses[0], 0))
            port = first.getsockname()[1]
            for address in addresses[1:]:
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((address, port))
            return port
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise LabError(f"no port is free on all of {addresses[0]}..{addresses[-1]}")


class LabNetwork:
    """``count`` running lab machines on 127.0.10.1..N (one shared ``port``) with an admin
    account on each. The constructor starts them; ``close()`` (or leaving the ``with`` block)
    stops them and deletes everything.

    ``admin_user`` logs in with ``admin_private_key`` (a ``paramiko.PKey``; the file is
    ``admin_private_key_path``, OpenSSH format, no passphrase). With ``sudo=True`` it may run
    any command with ``sudo`` and no password. ``admin_user="root"`` logs in as root directly.

    A failed password login fails at once; ``fail_delay=True`` keeps PAM's ~2 s delay (pam_unix
    without ``nodelay``) of a real machine. ``workdir_parent`` overrides where the work
    directory goes (default: $MAILFLOW_LAB_TMPDIR, /dev/shm, the temp dir).
    """

    def __init__(
        self,
        count: int,
        admin_user: str = "labadmin",
        sudo: bool = False,
        *,
        fail_delay: bool = False,
        workdir_parent: str | Path | None = None,
    ) -> None:
        if not 1 <= count <= MAX_ADDRESSES - 1:
            raise ValueError(f"count must be 1..{MAX_ADDRESSES - 1}")
        if not _USER_RE.match(admin_user):
            raise ValueError(f"invalid user name {admin_user!r}")
        if reason := lab_unavailable_reason(sudo=sudo and admin_user != "root"):
            raise LabError(reason)
        self.admin_user = admin_user
        self.sudo = sudo
        self.fail_delay = fail_delay
        self.machines: list[LabMachine] = []
        self.port = 0
        self._closed = False
        self._lock = threading.RLock()
        self._reserved: list[socket.socket] = []  # add_unreachable()/add_unresponsive()
        self._next_index = count + 1
        self._admin_key: paramiko.PKey | None = None

        parent = str(workdir_parent) if workdir_parent is not None else _default_parent_dir(count)
        parent_path = Path(parent or tempfile.gettempdir()).resolve()
        for private in _PRIVATE_PATHS:
            if parent_path == Path(private) or Path(private) in parent_path.parents:
                raise LabError(f"the work directory cannot be under {private} (hidden inside)")
        _remove_abandoned_workdirs(parent_path)
        self.workdir = Path(tempfile.mkdtemp(prefix=_WORKDIR_PREFIX, dir=parent_path))
        (self.workdir / _OWNER_FILE).write_text(str(os.getpid()))
        with _OPEN_NETWORKS_LOCK:
            _OPEN_NETWORKS.add(self)
        started = time.monotonic()
        try:
            self._build(count)
            self._start_all()
        except BaseException:
            self.close()
            raise
        self.startup_seconds = time.monotonic() - started

    # -- properties --------------------------------------------------------------------------

    @property
    def admin_private_key_path(self) -> Path:
        return self.workdir / "admin_ed25519"

    @property
    def admin_public_key(self) -> str:
        return (self.workdir / "admin_ed25519.pub").read_text().strip()

    @property
    def admin_private_key(self) -> paramiko.PKey:
        if self._admin_key is None:
            import paramiko

            self._admin_key = paramiko.Ed25519Key.from_private_key_file(
                str(self.admin_private_key_path)
            )
        return self._admin_key

    @property
    def addresses(self) -> list[str]:
        return [machine.address for machine in self.machines]

    def known_hosts_text(self) -> str:
        """known_hosts lines pinning every machine's host key (``[127.0.10.N]:PORT ssh-ed25519
        AAAA...``; the bare address when the port is 22)."""
        return "".join(machine.known_hosts_line() + "\n" for machine in self.machines)

    def machine(self, address: str) -> LabMachine:
        for machine in self.machines:
            if machine.address == address:
                return machine
        raise KeyError(address)

    def __repr__(self) -> str:
        return f"<LabNetwork {len(self.machines)} machines port {self.port} {self.workdir}>"

    def __enter__(self) -> LabNetwork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- setup -------------------------------------------------------------------------------

    def _build(self, count: int) -> None:
        private, public = _ed25519_keypair(f"{self.admin_user}@mailflow-lab")
        _write_private(self.admin_private_key_path, private)
        (self.workdir / "admin_ed25519.pub").write_text(public + "\n")
        template = self.workdir / "template"
        template.mkdir()
        self._build_template(template, public)
        roots = [self.workdir / f"m{index:02d}" for index in range(1, count + 1)]
        with ThreadPoolExecutor(max_workers=min(8, count)) as pool:
            copies = [
                pool.submit(_run, ["cp", "-a", "--", str(template), str(root)], "copying /etc")
                for root in roots
            ]
            for copy in copies:
                copy.result()
        shutil.rmtree(template)
        for index, root in enumerate(roots, start=1):
            self.machines.append(self._build_machine(index, root))

    def _build_template(self, template: Path, admin_public: str) -> None:
        """/etc, /home, /root, /var/log and /var/mail of a fresh machine, admin account included."""
        etc = template / "etc"
        _run(["cp", "-a", "--", "/etc", str(etc)], "copying /etc")
        (template / "home").mkdir(mode=0o755)
        root_home = template / "root"
        root_home.mkdir(mode=0o700)
        for name in ("bashrc", "profile"):
            source = Path("/usr/share/base-files") / f"dot.{name}"
            if source.exists():
                shutil.copy2(source, root_home / f".{name}")
        log = template / "var" / "log"
        log.mkdir(parents=True, mode=0o755)
        utmp_gid = _group_id("utmp")
        for name, mode, gid in (
            ("lastlog", 0o664, utmp_gid),
            ("faillog", 0o644, 0),
            ("wtmp", 0o664, utmp_gid),
            ("btmp", 0o660, utmp_gid),
        ):
            (log / name).touch()
            os.chown(log / name, 0, gid)
            os.chmod(log / name, mode)
        mail = template / "var" / "mail"
        mail.mkdir()
        os.chown(mail, 0, _group_id("mail"))
        os.chmod(mail, 0o2775)

        # No host secrets on the machines: host password hashes and SSH host keys.
        shadow = etc / "shadow"
        if shadow.exists():
            entries = []
            for line in shadow.read_text().splitlines():
                fields = line.split(":")
                if len(fields) > 2:
                    fields[1] = "*"
                entries.append(":".join(fields))
            shadow.write_text("".join(entry + "\n" for entry in entries))
        for key_file in (etc / "ssh").glob("ssh_host_*"):
            key_file.unlink()
        # pam_loginuid needs CAP_AUDIT_CONTROL, which containers often lack; as "required" it
        # then closes every login (the classic sshd-in-Docker failure). Audit only: optional.
        pam_sshd = etc / "pam.d" / "sshd"
        if pam_sshd.exists():
            text = pam_sshd.read_text()
            relaxed = re.sub(
                r"^(session\s+)required(\s+pam_loginuid\.so)", r"\1optional\2", text, flags=re.M
            )
            if relaxed != text:
                pam_sshd.write_text(relaxed)
        # pam_unix waits ~2 s after every failed password (also for unknown users, which sshd
        # sends through PAM with a fake password): a test of wrong passwords would crawl.
        common_auth = etc / "pam.d" / "common-auth"
        if not self.fail_delay and common_auth.exists():
            text = common_auth.read_text()
            fast = re.sub(
                r"^(auth\s.*pam_unix\.so\b(?!.*\bnodelay\b).*)$", r"\1 nodelay", text, flags=re.M
            )
            if fast != text:
                common_auth.write_text(fast)
        keys_dir = etc / "ssh" / "authorized_keys"
        keys_dir.mkdir(mode=0o755)
        (keys_dir / self.admin_user).write_text(admin_public + "\n")
        os.chmod(keys_dir / self.admin_user, 0o644)

        if self.admin_user != "root":
            self._create_admin(template)

    def _create_admin(self, template: Path) -> None:
        etc = template / "etc"
        exists = any(
            line.split(":", 1)[0] == self.admin_user
            for line in (etc / "passwd").read_text().splitlines()
        )
        q = shlex.quote
        user = q(self.admin_user)
        if exists:  # an account of that name came with the host's /etc: give it a home here
            command = (
                f"usermod -d /home/{user} -s /bin/bash {user}"
                f" && mkdir -p /home/{user} && cp -a /etc/skel/. /home/{user}/"
                f' && chown -R "$(id -u {user}):$(id -g {user})" /home/{user}'
                f" && chmod 0750 /home/{user}"
            )
        else:
            command = f"useradd --create-home --shell /bin/bash {user}"
        if self.sudo:
            command += f" && usermod -aG sudo {user}"
        script = "\n".join(
            [
                "set -e",
                f"mount --bind {q(str(etc))} /etc",
                f"mount --bind {q(str(template / 'home'))} /home",
                f"mount --bind {q(str(template / 'var' / 'log'))} /var/log",
                "mount -t tmpfs -o mode=0755,size=1m lab-run /run",
                *(
                    [f"mount --bind {q(str(template / 'var' / 'mail'))} /var/mail"]
                    if os.path.isdir("/var/mail")
                    else []
                ),
                command,
            ]
        )
        _run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            f"creating the admin account {self.admin_user!r}",
        )
        if self.sudo:
            sudoers = etc / "sudoers.d" / _SUDOERS_FILE
            sudoers.parent.mkdir(mode=0o755, exist_ok=True)
            sudoers.write_text(f"{self.admin_user} ALL=(ALL:ALL) NOPASSWD: ALL\n")
            os.chmod(sudoers, 0o440)

    def _build_machine(self, index: int, root: Path) -> LabMachine:
        address = f"{SUBNET_PREFIX}{index}"
        hostname = f"lab-{index:02d}"
        etc = root / "etc"
        private, public = _ed25519_keypair(f"root@{hostname}")
        _write_private(etc / "ssh" / "ssh_host_ed25519_key", private)
        (etc / "ssh" / "ssh_host_ed25519_key.pub").write_text(public + "\n")
        (etc / "hostname").write_text(hostname + "\n")
        hosts = etc / "hosts"
        # The file may be a symlink into the host (containers): replace, never write through.
        hosts_text = hosts.read_text() if hosts.exists() else "127.0.0.1\tlocalhost\n"
        hosts.unlink(missing_ok=True)
        hosts.write_text(hosts_text.rstrip("\n") + f"\n{address}\t{hostname}\n")
        host_key = " ".join(public.split()[:2])
        return LabMachine(
            address=address,
            port=0,
            host_key_public=host_key,
            host_key_fingerprint=openssh_fingerprint(host_key),
            etc_dir=etc,
            home_dir=root / "home",
            hostname=hostname,
            root_dir=root,
        )

    def _start_all(self) -> None:
        for attempt in range(5):
            self.port = _pick_port(self.addresses)
            for machine in self.machines:
                machine.port = self.port
                machine._spawn()
            try:
                deadline = time.monotonic() + START_TIMEOUT
                pending = list(self.machines)
                while pending:
                    pending = [machine for machine in pending if not machine._poll_ready()]
                    if pending and time.monotonic() > deadline:
                        raise LabError(
                            f"{len(pending)} machines did not start in time, e.g. "
                            f"{pending[0].hostname}:\n{pending[0].log_tail()}"
                        )
                    if pending:
                        time.sleep(0.01)
                return
            except _PortInUse:
                for machine in self.machines:
                    machine._terminate()
                if attempt == 4:
                    raise
            except BaseException:
                for machine in self.machines:
                    machine._terminate()
                raise

    # -- other addresses ---------------------------------------------------------------------

    def _reserve_address(self, listen: bool) -> str:
        with self._lock:
            while self._next_index < MAX_ADDRESSES + 1:
                address = f"{SUBNET_PREFIX}{self._next_index}"
                self._next_index += 1
                sock = socket.socket()
                try:
                    sock.bind((address, self.port))
                    if listen:
                        sock.listen(1024)
                except OSError:
                    sock.close()
                    continue
                self._reserved.append(sock)
                return address
            raise LabError("no address left on 127.0.10.x")

    def add_unreachable(self) -> str:
        """An address on 127.0.10.x where nothing listens on ``port``: connections are refused
        at once (like a machine that is up without sshd). The (address, port) pair is held by a
        bound, non-listening socket until ``close()``, so nothing else can take it.
        """
        return self._reserve_address(listen=False)

    def add_unresponsive(self) -> str:
        """An address on 127.0.10.x that accepts TCP connections on ``port`` but never says a
        word (like a hung machine): SSH clients wait for the banner until their timeout.
        """
        return self._reserve_address(listen=True)

    # -- client ------------------------------------------------------------------------------

    def connect(
        self,
        machine: LabMachine | str,
        username: str | None = None,
        *,
        password: str | None = None,
        timeout: float = SSH_TIMEOUT,
    ) -> paramiko.SSHClient:
        """A paramiko client connected to a machine (or address) with the host keys of
        ``known_hosts_text()`` pinned (RejectPolicy). Logs in as ``username`` (default the admin)
        with ``password`` if given, else with the admin key. Use it as a context manager.
        """
        import paramiko

        address = machine.address if isinstance(machine, LabMachine) else machine
        client = paramiko.SSHClient()
        host_keys = client.get_host_keys()
        for line in self.known_hosts_text().splitlines():
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
            if entry is not None:
                for name in entry.hostnames:
                    host_keys.add(name, entry.key.get_name(), entry.key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                address,
                port=self.port,
                username=username or self.admin_user,
                password=password,
                pkey=None if password is not None else self.admin_private_key,
                look_for_keys=False,
                allow_agent=False,
                timeout=timeout,
                banner_timeout=timeout,
                auth_timeout=timeout,
            )
        except BaseException:
            client.close()
            raise
        return client

    # -- shutdown ----------------------------------------------------------------------------

    @property
    def pids(self) -> list[int]:
        """Every live process inside any machine of this network."""
        return [pid for machine in self.machines for pid in machine.pids]

    def close(self) -> None:
        """Stop every machine (and every process inside) and delete the work directory."""
        with self._lock:
            try:
                for machine in self.machines:
                    machine._lock.acquire()
                try:
                    for machine in self.machines:  # all at once, then wait for each
                        machine._signal_stop()
                    for machine in self.machines:
                        machine._terminate()
                        machine._closed = True
                finally:
                    for machine in self.machines:
                        machine._lock.release()
            finally:
                self._closed = True
                for sock in self._reserved:
                    sock.close()
                self._reserved.clear()
                shutil.rmtree(self.workdir, ignore_errors=True)
                with _OPEN_NETWORKS_LOCK:
                    _OPEN_NETWORKS.discard(self)
