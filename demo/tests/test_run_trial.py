"""`run_trial` for real: a subprocess with its own var/ folder and SQLite database, a free
port, the web server and a real qcluster; stopped by SIGINT as Ctrl+C would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testing.browser import save_screenshot

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc"),
]


def trial_env(var: Path) -> dict[str, str]:
    """What `make run` sets, in a temporary var/ and nothing inherited from the tests."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAILFLOW_", "DJANGO_", "Q_", "PYTEST_"))
        and key not in {"DATABASE_URL", "SECRET_KEY", "EMAIL_URL", "REDIS_URL", "DEBUG"}
    }
    env.update(
        MAILFLOW_TRIAL="1",
        DEBUG="1",
        MAILFLOW_VAR_DIR=str(var),
        DATABASE_URL="",
        DJANGO_SETTINGS_MODULE="mailflow.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process in the session `sid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid:  # state, ppid, pgrp, session
            members.append((int(entry.name), cmdline))
    return members


def wait_until(
    condition: Callable[[], bool], *, timeout: float, process: subprocess.Popen, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"run_trial exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"not ready after {timeout} s:\n{log.read_text()}")
        time.sleep(0.3)


def login_page(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=3) as r:
            return r.status
    except (urllib.error.URLError, OSError):
        return None


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[dict[str, str], Path]:
    """A var/ folder after `make run`'s first two steps: migrate and seed_demo."""
    var = tmp_path_factory.mktemp("trial") / "var"
    env = trial_env(var)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    return env, var


@contextlib.contextmanager
def run_trial(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_trial", "--addrport", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session, to find every process it started
        )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for pid, _cmd in session_members(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_make_run_serves_the_admin_and_ctrl_c_stops_everything(seeded, tmp_path, page):
    env, var = seeded
    log = tmp_path / "run_trial.log"
    with run_trial(env, log) as (process, port):
        wait_until(lambda: login_page(port) == 200, timeout=90, process=process, log=log)
        # The page answers in a real browser, in Portuguese.
        page.goto(f"http://127.0.0.1:{port}/admin/")
        page.wait_for_selector("#id_username")
        assert "secretaria do PPComp" in page.inner_text("#header")
        assert "Usuário" in page.inner_text("#content")
        save_screenshot(page, "trial-login")
        commands = " ".join(cmd for _pid, cmd in session_members(process.pid))
        assert "runserver" in commands and "qcluster" in commands

        # The worker sends what the first pass queued: the incomplete defence's form.
        def form_sent() -> bool:
            return any(
                b"To: pedro.almeida@ifes.example" in path.read_bytes()
                for path in (var / "outbox").glob("*.eml")
            )

        wait_until(form_sent, timeout=90, process=process, log=log)

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, log.read_text()
        assert session_members(process.pid) == []
    output = log.read_text()
    assert f"http://127.0.0.1:{port}/admin/" in output
    assert "database is locked" not in output
    assert "Traceback" not in output


def test_when_the_web_server_dies_the_worker_is_stopped_too(seeded, tmp_path):
    env, _var = seeded
    log = tmp_path / "run_trial.log"
    with run_trial(env, log) as (process, port):
        wait_until(lambda: login_page(port) == 200, timeout=90, process=process, log=log)
        [web] = [pid for pid, cmd in session_members(process.pid) if "runserver" in cmd]

        os.kill(web, signal.SIGKILL)

        assert process.wait(timeout=60) == 1
        assert session_members(process.pid) == []
    assert "-9" in log.read_text()  # the web server's end is reported, with its code


def test_a_port_in_use_is_refused_before_anything_starts(seeded):
    env, _var = seeded
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "manage.py", "run_trial", "--addrport", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr and "--addrport" in done.stderr


def test_killing_the_supervisor_itself_leaves_nothing_behind(seeded, tmp_path):
    env, _var = seeded
    log = tmp_path / "run_trial.log"
    with run_trial(env, log) as (process, port):
        wait_until(lambda: login_page(port) == 200, timeout=90, process=process, log=log)

        process.kill()  # no chance to clean up: the children get SIGTERM from the kernel
        process.wait(timeout=10)

        deadline = time.monotonic() + 60
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert session_members(process.pid) == []
