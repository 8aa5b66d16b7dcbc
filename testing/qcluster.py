"""Real django-q2 clusters (`manage.py qcluster`) for tests: started in their own process
group, so a test can SIGKILL a whole cluster (sentinel, workers, monitor, pusher) at once,
the way a crash or an OOM kill would."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Cluster:
    def __init__(self, env: dict[str, str], log_path: Path, name: str = "cluster") -> None:
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.name = name
        self.process: subprocess.Popen | None = None
        self.kills = 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        log = self.log_path.open("ab")
        log.write(f"\n--- {self.name} started at {time.time():.3f}\n".encode())
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL every process of the cluster: no cleanup, no acknowledgement."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self.kills += 1

    def stop(self) -> None:
        """A clean stop (SIGTERM), then whatever is left is killed."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
