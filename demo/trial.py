"""The trial's supervisor: the web server and the worker as two child processes, started
together and stopped together.

Each child runs in its own process group, so the terminal's Ctrl+C reaches only the
supervisor, which then stops both: SIGTERM to each, a grace period, then SIGKILL to what is
left of each group (qcluster's worker processes included). On Linux a child also gets
SIGTERM if the supervisor itself is killed, so nothing outlives it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

MANAGE = Path(settings.BASE_DIR) / "manage.py"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens there (e.g. another trial): the web server would
    fail to start, and its place would look ready."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False  # runserver will say what is wrong with the address
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return True
    return False


@dataclass
class Child:
    label: str
    args: list[str]
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(MANAGE), *self.args],
            cwd=MANAGE.parent,
            process_group=0,
            # safe: the supervisor has no other thread
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def group_alive(self) -> bool:
        if self.process is None:
            return False
        self.process.poll()  # reap the leader, so only the living count
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def signal_group(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)


@dataclass
class Supervisor:
    host: str
    port: int
    write: Callable[[str], None]
    # Seconds the children have to stop after SIGTERM before SIGKILL.
    grace_seconds: float = 15.0
    # Called once with the admin's URL when the web server answers.
    on_ready: Callable[[str], None] | None = None
    children: list[Child] = field(default_factory=list, init=False)
    _stop_signal: int | None = field(default=None, init=False)
    _hurry: bool = field(default=False, init=False)

    @property
    def addrport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.addrport}/admin/"

    def run(self) -> int:
        """Start both, wait for Ctrl+C/SIGTERM (0) or a child's death (1), stop both."""
        self.children = [
            Child(_("web server"), ["runserver", self.addrport, "--noreload"]),
            Child(_("worker"), ["qcluster"]),
        ]
        previous = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        dead: Child | None = None
        try:
            for child in self.children:
                child.start()
            self.write(
                _("Started the web server (pid %(web)d) and the worker (pid %(worker)d).")
                % {"web": self.children[0].pid, "worker": self.children[1].pid}
            )
            ready = False
            while self._stop_signal is None:
                dead = next((c for c in self.children if c.exited() is not None), None)
                if dead is not None:
                    break
                if not ready and self._answers():
                    ready = True
                    if self.on_ready:
                        self.on_ready(self.url)
                time.sleep(0.2)
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if dead is not None:
            self.write(
                _("The %(child)s stopped (exit code %(code)s); the other process was stopped too.")
                % {"child": dead.label, "code": dead.exited()}
            )
            return 1
        self.write(_("Stopped."))
        return 0

    def _on_signal(self, signum, _frame) -> None:
        if self._stop_signal is None:
            self._stop_signal = signum
        else:  # a second Ctrl+C: no more waiting
            self._hurry = True

    def _answers(self) -> bool:
        """Whether the web server answers HTTP (any status: it is up)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=2)
        try:
            connection.request("GET", "/admin/login/")
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        return True

    def _stop_all(self) -> None:
        alive = [c for c in self.children if c.group_alive()]
        if alive:
            self.write(_("Stopping the web server and the worker…"))
        for child in alive:
            # The leader only: qcluster stops its own processes in order (signalled all at
            # once, they wait on each other until the SIGKILL).
            child.terminate()
        deadline = time.monotonic() + self.grace_seconds
        while alive and time.monotonic() < deadline and not self._hurry:
            time.sleep(0.1)
            alive = [c for c in alive if c.group_alive()]
        for child in alive:
            child.signal_group(signal.SIGKILL)
        for child in self.children:
            if child.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(timeout=5)
