"""Whole-process yardstick: mailflow's `manage.py send_outbox` against django-post_office's
`manage.py send_queued_mail`, each sending 2,000 queued messages to the same aiosmtpd sink
program (bench/smtp_sink.py) on the same PostgreSQL server, each in a fresh database of its
own, measured in the same run.

Queueing is setup and not timed; the clock runs from the command's start to its exit
(interpreter start, Django set-up, sending, bookkeeping), as cron would see it. Both commands
run with their defaults: mailflow one worker with up to 5 SMTP connections, batches of 200;
post_office one process of 5 threads (5 SMTP connections), batches of 100, a Log row for
each mail (only its lockfile is put in a directory of this run's own, so that a stale lock
of another run cannot make it exit at once). The runs alternate (mailflow, post_office,
mailflow, ...) so both see the same drift of a shared machine; the best of each is the
figure. Each command then runs once more with nothing left to send: what a cron poll with
nothing to do costs, start-up included.

post_office lives in bench/.yardstick-venv, made here on first use from
bench/yardstick/requirements.txt (and remade when that file changes); without it (no
network, say) its rows say "skipped" and why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.env import production_env
from bench.outbox import Sink

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
VENV = ROOT / "bench" / ".yardstick-venv"
REQUIREMENTS = HERE / "requirements.txt"
TARGET = 1.5  # mailflow's rate over post_office's


def venv_python() -> tuple[Path | None, str]:
    """The yardstick venv's python, made or brought up to date from requirements.txt, or
    None and why it could not be."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements.txt"
    wanted = REQUIREMENTS.read_text()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python, ""
    steps = [
        [sys.executable, "-m", "venv", str(VENV)],
        # bounded, so that a machine without network says so in a minute or two
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--timeout",
            "30",
            "--retries",
            "1",
            "-r",
            str(REQUIREMENTS),
        ],
    ]
    print("  (setting up the post_office yardstick venv)", file=sys.stderr)
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"{step[2]} {step[3]}: {error}"
        if done.returncode:
            lines = (done.stderr or done.stdout).strip().splitlines()
            errors = [line for line in lines if line.startswith("ERROR")] or lines or ["?"]
            return None, f"{step[2]} {step[3]} failed: {errors[-1][:160]}"
    stamp.write_text(wanted)
    return python, ""


def _database_beside(db_url: str, suffix: str) -> str:
    """The URL of another database on the same server as `db_url`."""
    parts = urlsplit(db_url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}{suffix}"))


def _mailflow_env(db_url: str, port: int) -> dict[str, str]:
    """Production settings as the other benches run them, sending to the sink."""
    return production_env(db_url, EMAIL_URL=f"smtp://127.0.0.1:{port}")


def _yardstick_env(db_url: str, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "PYTHONPATH")
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "settings",
        "YARDSTICK_DATABASE_URL": db_url,
        "YARDSTICK_SMTP_PORT": str(port),
    }


def _run(args: list, env: dict[str, str], cwd: Path = ROOT) -> tuple[float, str]:
    """Run a command to its end: its wall time and its output; raise if it failed."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{args[1:3]} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return seconds, done.stdout


def _received(sink: Sink, count: int, label: str) -> None:
    ids = sink.ids()
    if len(ids) != count or len(set(ids)) != count:
        raise RuntimeError(f"{label}: the sink received {len(ids)} ({len(set(ids))} distinct)")


def mailflow_rate(db_url: str, fresh_database, migrate, count: int) -> tuple[float, float]:
    """`manage.py send_outbox` over `count` queued (approved) messages, whole process: its
    rate, and the seconds of the same command run again with nothing left to send."""
    fresh_database(db_url)
    migrate(db_url)
    sink = Sink()
    try:
        env = _mailflow_env(db_url, sink.port)
        _run([sys.executable, "bench/outbox.py", "--queue", count], env)
        seconds, out = _run([sys.executable, "manage.py", "send_outbox"], env)
        if f"sent {count}," not in out:
            raise RuntimeError(f"send_outbox: {out.strip()}")
        idle, _ = _run([sys.executable, "manage.py", "send_outbox"], env)
    except BaseException:
        sink.ids()
        raise
    _received(sink, count, "send_outbox")
    return count / seconds, idle


def post_office_rate(python: Path, db_url: str, fresh_database, count: int) -> tuple[float, float]:
    """post_office's `manage.py send_queued_mail` over `count` mails queued with
    `mail.send_many(..., priority="medium")`, whole process: its rate, and the seconds of
    the same command run again with nothing left to send."""
    fresh_database(db_url)
    sink = Sink()
    try:
        env = _yardstick_env(db_url, sink.port)
        _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env, HERE)
        _run([python, "queue_mail.py", count], env, HERE)
        with tempfile.TemporaryDirectory() as lock:
            command = [python, "manage.py", "send_queued_mail", "--lockfile", f"{lock}/lock"]
            seconds, _ = _run(command, env, HERE)
            idle, _ = _run(command, env, HERE)
    except BaseException:
        sink.ids()
        raise
    _received(sink, count, "send_queued_mail")
    return count / seconds, idle


def run(db_url: str, fresh_database, migrate, count: int = 2_000) -> list[tuple]:
    """BENCH_YARDSTICK_RUNS rounds (default 3). Who goes first alternates from round to
    round: the first run after the previous bench meets cold caches, whichever it is."""
    runs = int(os.environ.get("BENCH_YARDSTICK_RUNS", "3"))
    ours_label = f"send_outbox {count:,}, whole process"
    theirs_label = f"post_office send_queued_mail {count:,}, whole process (yardstick)"
    ratio_label = "send_outbox / post_office send_queued_mail, whole process"
    python, reason = venv_python()
    post_office_db = _database_beside(db_url, "_post_office")
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for round_number in range(runs):
        if python and round_number % 2:
            theirs.append(post_office_rate(python, post_office_db, fresh_database, count))
        ours.append(mailflow_rate(db_url, fresh_database, migrate, count))
        if python and not round_number % 2:
            theirs.append(post_office_rate(python, post_office_db, fresh_database, count))
    best = max(rate for rate, _idle in ours)
    rows = [
        (f"{ours_label} (msg/s), best of {runs}", f"{best:,.0f}", "-", count, True),
        (
            f"send_outbox, nothing queued, whole process (s), best of {runs}",
            f"{min(idle for _rate, idle in ours):.2f}",
            "-",
            0,
            True,
        ),
    ]
    if not python:
        return [
            *rows,
            (f"{theirs_label} (msg/s)", f"skipped: {reason}", "-", count, True),
            (ratio_label, "skipped: no yardstick", f">= {TARGET}x", count, False),
        ]
    best_theirs = max(rate for rate, _idle in theirs)
    ratio = best / best_theirs
    return [
        *rows,
        (f"{theirs_label} (msg/s), best of {runs}", f"{best_theirs:,.0f}", "-", count, True),
        (
            f"post_office send_queued_mail, nothing queued, whole process (s), best of {runs}",
            f"{min(idle for _rate, idle in theirs):.2f}",
            "-",
            0,
            True,
        ),
        (
            f"{ratio_label}, each run (msg/s)",
            "  ".join(f"{a:,.0f}/{b:,.0f}" for (a, _), (b, _) in zip(ours, theirs, strict=True)),
            "-",
            count,
            True,
        ),
        (ratio_label, f"{ratio:.2f}x", f">= {TARGET}x", count, ratio >= TARGET),
    ]
